using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Membership.StripeEmulator.Internal;

/// <summary>
/// Handles every HTTP request: <c>/v1/*</c> (faults, auth, idempotency, dispatch), <c>/_emulator/*</c>
/// (control) and the hosted pages.
/// </summary>
internal sealed class HttpFrontend(EmulatorState state, Billing billing, FaultSwitches faults, ApiRoutes routes, HostedPages hosted, Task ready, CancellationToken stopping)
{
    private long _requestSeq;

    public async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        try
        {
            await ready.WaitAsync(ctx.RequestAborted).ConfigureAwait(false);
            if (path.StartsWith("/v1/", StringComparison.Ordinal))
            {
                await ApiAsync(ctx, path).ConfigureAwait(false);
            }
            else if (path.StartsWith("/_emulator", StringComparison.Ordinal))
            {
                await ControlAsync(ctx, path).ConfigureAwait(false);
            }
            else
            {
                await hosted.HandleAsync(ctx, path).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested || stopping.IsCancellationRequested)
        {
            // client went away or the emulator is stopping
        }
    }

    // ------------------------------------------------------------------ /v1

    private async Task ApiAsync(HttpContext ctx, string path)
    {
        var requestId = EmulatorState.NewId("req_", 14);
        var method = ctx.Request.Method.ToUpperInvariant();
        var idempotencyKey = Header(ctx, "Idempotency-Key");
        var account = Header(ctx, "Stripe-Account");
        var received = DateTimeOffset.UtcNow;
        var seq = Interlocked.Increment(ref _requestSeq);
        ctx.Response.Headers["Request-Id"] = requestId;
        ctx.Response.Headers["Stripe-Version"] = Header(ctx, "Stripe-Version") ?? state.Options.ApiVersion;
        if (idempotencyKey is not null)
        {
            ctx.Response.Headers["Idempotency-Key"] = idempotencyKey;
        }

        void Log(int status, bool replayed, FaultKind? fault)
        {
            lock (state.Gate)
            {
                state.Record(new RecordedRequest(seq, received, method, path, idempotencyKey, account, status, replayed, fault, requestId));
            }
        }

        var fault = faults.TryTake(path);
        if (fault is not null)
        {
            switch (fault.Kind)
            {
                case FaultKind.ServerError:
                    Log(fault.StatusCode, false, fault.Kind);
                    await WriteJsonAsync(ctx, fault.StatusCode, new ApiError(fault.StatusCode, "api_error", "An unknown error occurred (emulated fault).").ToJson(requestId)).ConfigureAwait(false);
                    return;
                case FaultKind.RateLimit:
                    Log(429, false, fault.Kind);
                    ctx.Response.Headers["Retry-After"] = fault.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                    ctx.Response.Headers["Stripe-Should-Retry"] = fault.ShouldRetry ? "true" : "false";
                    await WriteJsonAsync(ctx, 429, new ApiError(429, "invalid_request_error", "Too many requests hit the API too quickly (emulated fault).", code: "rate_limit").ToJson(requestId)).ConfigureAwait(false);
                    return;
                case FaultKind.Hang:
                    using (var linked = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, stopping))
                    {
                        try
                        {
                            await Task.Delay(fault.HangFor, linked.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                            Log(499, false, fault.Kind); // client closed the request: nothing was done
                            return;
                        }
                    }

                    break;
            }
        }

        string body = "";
        if (method == "POST")
        {
            using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
            body = await reader.ReadToEndAsync(ctx.RequestAborted).ConfigureAwait(false);
        }

        var parameters = ParamNode.Parse(ctx.Request.QueryString.Value);
        parameters.AddEncoded(body);

        int status;
        string responseBody;
        var replayed = false;
        var authError = CheckAuth(ctx);
        if (authError is not null)
        {
            status = authError.Status;
            responseBody = state.Serialize(authError.ToJson(requestId));
        }
        else
        {
            lock (state.Gate)
            {
                state.CurrentRequest = (requestId, idempotencyKey);
                try
                {
                    (status, responseBody, replayed) = Execute(method, path, account, idempotencyKey, parameters, requestId);
                }
                finally
                {
                    state.CurrentRequest = null;
                }

                // A GET changes nothing unless due work ran first (then ProcessDue marked the state dirty).
                if (method != "GET")
                {
                    state.MarkDirty();
                }

                state.Checkpoint();
            }
        }

        Log(status, replayed, fault?.Kind);
        if (replayed)
        {
            ctx.Response.Headers["Idempotent-Replayed"] = "true";
        }

        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(responseBody, ctx.RequestAborted).ConfigureAwait(false);
    }

    private (int Status, string Body, bool Replayed) Execute(string method, string path, string? account, string? idempotencyKey, ParamNode parameters, string requestId)
    {
        var useIdempotency = idempotencyKey is not null && method is "POST" or "DELETE";
        var fingerprint = parameters.Fingerprint();
        try
        {
            billing.ProcessDue();
            if (account is not null)
            {
                var acct = state.Find<AccountEntity>(account);
                if (acct is null || acct.IsPlatform)
                {
                    throw new ApiError(403, "invalid_request_error", $"The provided key does not have access to account '{account}' (or that account does not exist). Application access may have been revoked.", code: "account_invalid");
                }
            }

            var match = routes.Match(method, path)
                ?? throw new ApiError(404, "invalid_request_error", $"Unrecognized request URL ({method}: {path}). The Stripe emulator does not implement this endpoint; see src/Membership.StripeEmulator/README.md.");

            // Like Stripe, refuse unknown parameters and paths that cannot be expanded before doing anything.
            match.Route.Accepts.Validate(parameters);
            Expansion.Validate(match.Route.Returns, parameters.StrList("expand"));

            if (useIdempotency && state.FindIdempotent(account, idempotencyKey!) is { } stored)
            {
                if (stored.Method != method || stored.Path != path || stored.Fingerprint != fingerprint)
                {
                    throw new ApiError(400, "idempotency_error",
                        $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{idempotencyKey}' if you meant to execute a different request.");
                }

                return (stored.StatusCode, stored.Body, true);
            }

            var ctx = new ApiContext
            {
                Method = method,
                Path = path,
                Params = parameters,
                Account = account,
                State = state,
                Billing = billing,
                Args = match.Args,
            };
            var result = match.Route.Handler(ctx);
            var body = state.Serialize(result);
            if (useIdempotency)
            {
                state.StoreIdempotent(account, idempotencyKey!, new IdempotentResult(method, path, fingerprint, 200, body, state.Now));
            }

            return (200, body, false);
        }
        catch (ApiError e)
        {
            var body = state.Serialize(e.ToJson(requestId));
            if (useIdempotency && e.Status == 402)
            {
                // Like Stripe: a request that ran and failed (e.g. a decline) is replayed; validation errors are not stored.
                state.StoreIdempotent(account, idempotencyKey!, new IdempotentResult(method, path, fingerprint, e.Status, body, state.Now));
            }

            return (e.Status, body, false);
        }
    }

    private static ApiError? CheckAuth(HttpContext ctx)
    {
        var auth = ctx.Request.Headers.Authorization.ToString();
        string? key = null;
        if (auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            key = auth[7..].Trim();
        }
        else if (auth.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth[6..].Trim()));
                key = decoded.Split(':')[0];
            }
            catch (FormatException)
            {
                key = null;
            }
        }

        if (string.IsNullOrEmpty(key))
        {
            return new ApiError(401, "invalid_request_error",
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').");
        }

        if (!key.StartsWith("sk_test_", StringComparison.Ordinal) && !key.StartsWith("rk_test_", StringComparison.Ordinal))
        {
            var masked = key.Length > 8 ? key[..8] + new string('*', Math.Min(20, key.Length - 12 > 0 ? key.Length - 12 : 0)) + key[^4..] : key;
            return new ApiError(401, "invalid_request_error", $"Invalid API Key provided: {masked}. The emulator accepts test-mode secret keys (sk_test_...).", code: "api_key_invalid");
        }

        return null;
    }

    private static string? Header(HttpContext ctx, string name)
    {
        var value = ctx.Request.Headers[name].ToString();
        return string.IsNullOrEmpty(value) ? null : value;
    }

    private async Task WriteJsonAsync(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(state.Serialize(body), ctx.RequestAborted).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ /_emulator

    private async Task ControlAsync(HttpContext ctx, string path)
    {
        var method = ctx.Request.Method.ToUpperInvariant();
        JsonObject? input = null;
        if (method is "POST" or "PUT")
        {
            using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
            var text = await reader.ReadToEndAsync(ctx.RequestAborted).ConfigureAwait(false);
            if (!string.IsNullOrWhiteSpace(text))
            {
                try
                {
                    input = JsonNode.Parse(text) as JsonObject;
                }
                catch (JsonException e)
                {
                    await WriteJsonAsync(ctx, 400, new JsonObject { ["error"] = "Body must be a JSON object: " + e.Message }).ConfigureAwait(false);
                    return;
                }
            }
        }

        input ??= [];
        try
        {
            var result = Control(method, path.TrimEnd('/'), input);
            if (result is null)
            {
                await WriteJsonAsync(ctx, 404, new JsonObject { ["error"] = $"Unknown control endpoint {method} {path}. See GET /_emulator." }).ConfigureAwait(false);
                return;
            }

            await WriteJsonAsync(ctx, 200, result).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or JsonException)
        {
            await WriteJsonAsync(ctx, 400, new JsonObject { ["error"] = e.Message }).ConfigureAwait(false);
        }
    }

    private JsonObject? Control(string method, string path, JsonObject input)
    {
        switch (method, path)
        {
            case ("GET", "/_emulator"):
                return new JsonObject
                {
                    ["base_url"] = state.BaseUrl.ToString(),
                    ["api_version"] = state.Options.ApiVersion,
                    ["platform_account"] = state.PlatformAccountId,
                    ["api_routes"] = Json.Strings(routes.Describe()),
                    ["control"] = Json.Strings(
                    [
                        "GET /_emulator/health", "GET /_emulator/clock", "POST /_emulator/clock/advance {seconds|to}",
                        "GET /_emulator/webhooks", "POST /_emulator/webhooks {endpoint,secret,deliver_twice,hold,release}",
                        "GET /_emulator/faults", "POST /_emulator/faults {kind,count,path_prefix,status,retry_after,should_retry,hang_ms}", "DELETE /_emulator/faults",
                        "GET /_emulator/requests", "GET /_emulator/events", "GET /_emulator/objects/{id}",
                    ]),
                };
            case ("GET", "/_emulator/health"):
                return new JsonObject { ["ok"] = true };
            case ("GET", "/_emulator/clock"):
                return ClockJson();
            case ("POST", "/_emulator/clock/advance"):
                if (input["to"] is { } to)
                {
                    state.Clock.AdvanceTo(DateTimeOffset.FromUnixTimeSeconds(to.GetValue<long>()));
                }
                else
                {
                    var seconds = input["seconds"]?.GetValue<long>() ?? throw new ArgumentException("Give {\"seconds\":N} or {\"to\":unix}.");
                    state.Clock.Advance(TimeSpan.FromSeconds(seconds));
                }

                return ClockJson();
            case ("GET", "/_emulator/webhooks"):
                return WebhooksJson();
            case ("POST", "/_emulator/webhooks"):
                var hooks = state.Webhooks;
                if (input.ContainsKey("endpoint"))
                {
                    var endpoint = input["endpoint"]?.GetValue<string>();
                    hooks.EndpointUrl = string.IsNullOrEmpty(endpoint) ? null : new Uri(endpoint);
                }

                if (input["secret"]?.GetValue<string>() is { Length: > 0 } secret)
                {
                    hooks.Secret = secret;
                }

                if (input["deliver_twice"] is { } twice)
                {
                    hooks.DeliverTwice = twice.GetValue<bool>();
                }

                if (input["retry_initial_ms"] is { } initial)
                {
                    hooks.RetryInitialDelay = TimeSpan.FromMilliseconds(initial.GetValue<double>());
                }

                if (input["max_attempts"] is { } max)
                {
                    hooks.MaxAttempts = max.GetValue<int>();
                }

                if (input["hold"]?.GetValue<bool>() == true)
                {
                    hooks.Hold();
                }

                if (input["release"]?.GetValue<string>() is { } release)
                {
                    hooks.Release(release == "reverse" ? WebhookReleaseOrder.Reverse : WebhookReleaseOrder.AsHappened);
                }

                return WebhooksJson();
            case ("GET", "/_emulator/faults"):
                return FaultsJson();
            case ("POST", "/_emulator/faults"):
                var kind = input["kind"]?.GetValue<string>() ?? "error";
                var count = input["count"]?.GetValue<int>() ?? 1;
                var prefix = input["path_prefix"]?.GetValue<string>();
                switch (kind)
                {
                    case "error" or "500":
                        faults.FailNext(count, prefix, input["status"]?.GetValue<int>() ?? 500);
                        break;
                    case "rate_limit" or "429":
                        faults.RateLimitNext(count, prefix, input["retry_after"]?.GetValue<int>() ?? 1, input["should_retry"]?.GetValue<bool>() ?? true);
                        break;
                    case "hang" or "timeout":
                        faults.HangNext(TimeSpan.FromMilliseconds(input["hang_ms"]?.GetValue<double>() ?? 30_000), count, prefix);
                        break;
                    default:
                        throw new ArgumentException("kind must be error, rate_limit or hang.");
                }

                return FaultsJson();
            case ("DELETE", "/_emulator/faults"):
                faults.Clear();
                return FaultsJson();
            case ("GET", "/_emulator/requests"):
                lock (state.Gate)
                {
                    return new JsonObject
                    {
                        ["requests"] = new JsonArray(state.Requests.Select(r => (JsonNode)new JsonObject
                        {
                            ["sequence"] = r.Sequence,
                            ["method"] = r.Method,
                            ["path"] = r.Path,
                            ["idempotency_key"] = r.IdempotencyKey,
                            ["stripe_account"] = r.StripeAccount,
                            ["status"] = r.StatusCode,
                            ["replayed"] = r.Replayed,
                            ["fault"] = r.Fault?.ToString(),
                            ["request_id"] = r.RequestId,
                        }).ToArray()),
                    };
                }

            case ("GET", "/_emulator/events"):
                lock (state.Gate)
                {
                    return new JsonObject
                    {
                        ["events"] = new JsonArray(state.Events.Select(e => (JsonNode)new JsonObject
                        {
                            ["id"] = e.Id,
                            ["type"] = e.Type,
                            ["account"] = e.Account,
                            ["created"] = e.Created,
                        }).ToArray()),
                    };
                }
        }

        if (method == "GET" && path.StartsWith("/_emulator/objects/", StringComparison.Ordinal))
        {
            var id = path["/_emulator/objects/".Length..];
            lock (state.Gate)
            {
                return state.Find(id) is { } e ? e.Render(new RenderContext(state)) : null;
            }
        }

        return null;
    }

    private JsonObject ClockJson()
    {
        IReadOnlyList<DueWork> upcoming;
        lock (state.Gate)
        {
            upcoming = billing.Upcoming(10);
        }

        return new JsonObject
        {
            ["now"] = state.Clock.UnixNow,
            ["iso"] = state.Clock.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["frozen"] = state.Clock.IsFrozen,
            ["next_due"] = upcoming.Count == 0 ? null : upcoming[0].At.ToUnixTimeSeconds(),
            ["upcoming"] = new JsonArray(upcoming.Select(w => (JsonNode)new JsonObject
            {
                ["at"] = w.At.ToUnixTimeSeconds(),
                ["kind"] = w.Kind.ToString(),
                ["object"] = w.ObjectId,
                ["account"] = w.Account,
            }).ToArray()),
        };
    }

    private JsonObject WebhooksJson()
    {
        var hooks = state.Webhooks;
        return new JsonObject
        {
            ["endpoint"] = hooks.EndpointUrl?.ToString(),
            ["secret"] = hooks.Secret,
            ["deliver_twice"] = hooks.DeliverTwice,
            ["holding"] = hooks.IsHolding,
            ["held"] = Json.Strings(hooks.Held.Select(e => e.Id)),
            ["pending"] = hooks.PendingCount,
            ["deliveries"] = new JsonArray(hooks.Deliveries.Select(d => (JsonNode)new JsonObject
            {
                ["event"] = d.EventId,
                ["type"] = d.EventType,
                ["copy"] = d.Copy,
                ["attempts"] = d.Attempts,
                ["status"] = d.Status.ToString(),
                ["last_status_code"] = d.LastStatusCode,
                ["last_error"] = d.LastError,
            }).ToArray()),
        };
    }

    private JsonObject FaultsJson() => new()
    {
        ["pending"] = new JsonArray(faults.Pending.Select(f => (JsonNode)new JsonObject
        {
            ["kind"] = f.Kind.ToString(),
            ["remaining"] = f.Remaining,
            ["path_prefix"] = f.PathPrefix,
            ["status"] = f.StatusCode,
            ["hang_ms"] = f.HangFor.TotalMilliseconds,
        }).ToArray()),
    };
}
