using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Stripe;

namespace Membership.StripeEmulator.Tests;

public sealed class IdempotencyAndFaultTests
{
    private static HttpRequestMessage Post(Harness h, string path, string form, string? idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, h.Emulator.ApiBase + path)
        {
            Content = new StringContent(form, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Harness.ApiKey);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return request;
    }

    [Fact]
    public async Task Same_key_replays_the_stored_response_and_creates_one_object()
    {
        await using var h = await Harness.StartAsync();
        var customers = new CustomerService(h.Client);
        var options = new CustomerCreateOptions { Email = "once@example.test" };
        var first = await customers.CreateAsync(options, new RequestOptions { IdempotencyKey = "create-customer-1" });
        var second = await customers.CreateAsync(options, new RequestOptions { IdempotencyKey = "create-customer-1" });
        Assert.Equal(first.Id, second.Id);
        Assert.Single(h.Emulator.ObjectIds("customer"));

        var seen = h.Emulator.RequestsWithIdempotencyKey("create-customer-1");
        Assert.Equal(2, seen.Count);
        Assert.Equal([false, true], seen.Select(r => r.Replayed));

        using var http = new HttpClient();
        using var raw = await http.SendAsync(Post(h, "/v1/customers", "email=once%40example.test", "create-customer-1"));
        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        Assert.Equal("true", raw.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.Id, (await raw.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>());

        // Without a key (Stripe.net generates a fresh one per call) two creates make two customers.
        await customers.CreateAsync(options);
        await customers.CreateAsync(options);
        Assert.Equal(3, h.Emulator.ObjectIds("customer").Count);
    }

    [Fact]
    public async Task Same_key_with_different_parameters_is_an_idempotency_error()
    {
        await using var h = await Harness.StartAsync();
        var customers = new CustomerService(h.Client);
        await customers.CreateAsync(new CustomerCreateOptions { Email = "a@example.test" }, new RequestOptions { IdempotencyKey = "k" });
        var ex = await Assert.ThrowsAsync<StripeException>(() =>
            customers.CreateAsync(new CustomerCreateOptions { Email = "b@example.test" }, new RequestOptions { IdempotencyKey = "k" }));
        Assert.Equal(HttpStatusCode.BadRequest, ex.HttpStatusCode);
        Assert.Equal("idempotency_error", ex.StripeError.Type);

        var otherEndpoint = await Assert.ThrowsAsync<StripeException>(() =>
            new ProductService(h.Client).CreateAsync(new ProductCreateOptions { Name = "x" }, new RequestOptions { IdempotencyKey = "k" }));
        Assert.Equal("idempotency_error", otherEndpoint.StripeError.Type);
        Assert.Single(h.Emulator.ObjectIds("customer"));
        Assert.Empty(h.Emulator.ObjectIds("product"));
    }

    [Fact]
    public async Task Stripe_net_retries_a_500_with_the_same_idempotency_key_and_one_object_is_created()
    {
        await using var h = await Harness.StartAsync();
        var client = Harness.NewClient(h.Emulator, maxNetworkRetries: 2);
        h.Emulator.Faults.FailNext(1, pathPrefix: "/v1/products");

        var product = await new ProductService(client).CreateAsync(new ProductCreateOptions { Name = "Retried" });

        Assert.Equal([product.Id], h.Emulator.ObjectIds("product"));
        var posts = h.Emulator.Requests.Where(r => r.Method == "POST" && r.Path == "/v1/products").ToList();
        Assert.Equal(2, posts.Count);
        Assert.Equal(FaultKind.ServerError, posts[0].Fault);
        Assert.Equal(500, posts[0].StatusCode);
        Assert.Equal(200, posts[1].StatusCode);
        Assert.NotNull(posts[0].IdempotencyKey);
        Assert.Equal(posts[0].IdempotencyKey, posts[1].IdempotencyKey);
        Assert.Empty(h.Emulator.Faults.Pending);

        // Without retries the 500 surfaces as Stripe's api_error.
        h.Emulator.Faults.FailNext(1);
        var ex = await Assert.ThrowsAsync<StripeException>(() => new ProductService(h.Client).ListAsync());
        Assert.Equal(HttpStatusCode.InternalServerError, ex.HttpStatusCode);
        Assert.Equal("api_error", ex.StripeError.Type);
    }

    [Fact]
    public async Task Rate_limit_answers_429_with_retry_headers()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.Faults.RateLimitNext(1, retryAfterSeconds: 2);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, h.Emulator.ApiBase + "/v1/products");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Harness.ApiKey);
        using var limited = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("2", limited.Headers.GetValues("Retry-After").Single());
        Assert.Equal("true", limited.Headers.GetValues("Stripe-Should-Retry").Single());
        var error = (await limited.Content.ReadFromJsonAsync<JsonObject>())!["error"]!;
        Assert.Equal("rate_limit", error["code"]!.GetValue<string>());

        // Stripe.net honours Stripe-Should-Retry: true ...
        h.Emulator.Faults.RateLimitNext(1, pathPrefix: "/v1/customers");
        var customer = await new CustomerService(Harness.NewClient(h.Emulator, maxNetworkRetries: 1)).CreateAsync(new CustomerCreateOptions { Email = "r@example.test" });
        Assert.Equal([customer.Id], h.Emulator.ObjectIds("customer"));

        // ... and gives up on Stripe-Should-Retry: false.
        h.Emulator.Faults.RateLimitNext(1, shouldRetry: false);
        var ex = await Assert.ThrowsAsync<StripeException>(() => new CustomerService(Harness.NewClient(h.Emulator, maxNetworkRetries: 2)).GetAsync(customer.Id));
        Assert.Equal(HttpStatusCode.TooManyRequests, ex.HttpStatusCode);
    }

    [Fact]
    public async Task A_hung_request_times_out_the_client_and_a_retry_succeeds()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.Faults.HangNext(TimeSpan.FromSeconds(20), pathPrefix: "/v1/products");
        var impatient = Harness.NewClient(h.Emulator, maxNetworkRetries: 0, timeout: TimeSpan.FromMilliseconds(300));
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => new ProductService(impatient).CreateAsync(new ProductCreateOptions { Name = "Slow" }));
        Assert.True(ex is OperationCanceledException or StripeException, ex.GetType().Name);
        await Wait.UntilAsync(() => h.Emulator.Requests.Any(r => r.Fault == FaultKind.Hang), "the hung request to be logged");
        Assert.Equal(499, h.Emulator.Requests.Single(r => r.Fault == FaultKind.Hang).StatusCode);
        Assert.Empty(h.Emulator.ObjectIds("product"));

        h.Emulator.Faults.HangNext(TimeSpan.FromSeconds(20), pathPrefix: "/v1/products");
        var retrying = Harness.NewClient(h.Emulator, maxNetworkRetries: 1, timeout: TimeSpan.FromMilliseconds(300));
        var product = await new ProductService(retrying).CreateAsync(new ProductCreateOptions { Name = "Slow" });
        Assert.Equal([product.Id], h.Emulator.ObjectIds("product"));
        var keys = h.Emulator.Requests.Where(r => r.Method == "POST").Skip(1).Select(r => r.IdempotencyKey).Distinct().ToList();
        Assert.Single(keys);
    }

    [Fact]
    public async Task A_short_hang_is_answered_normally()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.Faults.HangNext(TimeSpan.FromMilliseconds(50));
        var list = await new ProductService(h.Client).ListAsync();
        Assert.Empty(list.Data);
        Assert.Equal(200, h.Emulator.Requests.Single().StatusCode);
        Assert.Equal(FaultKind.Hang, h.Emulator.Requests.Single().Fault);
    }

    [Fact]
    public async Task Faults_match_a_path_prefix_and_can_be_set_over_http()
    {
        await using var h = await Harness.StartAsync();
        using var http = new HttpClient { BaseAddress = h.Emulator.BaseUrl };
        using var set = await http.PostAsJsonAsync("/_emulator/faults", new { kind = "error", count = 2, path_prefix = "/v1/prices" });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(2, h.Emulator.Faults.Pending.Single().Remaining);

        await new ProductService(h.Client).ListAsync(); // other paths are unaffected
        await Assert.ThrowsAsync<StripeException>(() => new PriceService(h.Client).ListAsync());
        await Assert.ThrowsAsync<StripeException>(() => new PriceService(h.Client).ListAsync());
        await new PriceService(h.Client).ListAsync();

        using var again = await http.PostAsJsonAsync("/_emulator/faults", new { kind = "rate_limit", count = 5 });
        using var cleared = await http.DeleteAsync("/_emulator/faults");
        Assert.Empty(h.Emulator.Faults.Pending);
        await new PriceService(h.Client).ListAsync();
    }

    [Fact]
    public async Task Requests_are_logged_with_their_headers()
    {
        await using var h = await Harness.StartAsync();
        await new ProductService(h.Client).CreateAsync(new ProductCreateOptions { Name = "Logged" }, new RequestOptions { IdempotencyKey = "log-1" });
        using var http = new HttpClient { BaseAddress = h.Emulator.BaseUrl };
        var log = await http.GetFromJsonAsync<JsonObject>("/_emulator/requests");
        var entry = log!["requests"]!.AsArray().Single()!;
        Assert.Equal("log-1", entry["idempotency_key"]!.GetValue<string>());
        Assert.Equal("/v1/products", entry["path"]!.GetValue<string>());
        Assert.StartsWith("req_", entry["request_id"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
