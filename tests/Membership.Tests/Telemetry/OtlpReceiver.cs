using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Membership.Tests.Telemetry;

/// <summary>
/// A small OTLP/HTTP receiver on a free loopback port: it answers every POST to
/// <c>/v1/traces</c>, <c>/v1/metrics</c> and <c>/v1/logs</c> with an empty (valid) protobuf
/// response and keeps each body and its headers. Protobuf strings are UTF-8 inside the body, so
/// span, metric and attribute names can be found with a byte search.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Export> _exports = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>The base address to give the site (<c>http://127.0.0.1:PORT</c>).</summary>
    public string BaseAddress => _app.Urls.Single();

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            receiver._exports.Enqueue(new Export(signal, body.ToArray(), request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Every export received so far for <paramref name="signal"/> (traces, metrics or logs).</summary>
    public IReadOnlyList<Export> Received(string signal) => _exports.Where(e => e.Signal == signal).ToList();

    /// <summary>True when some export of <paramref name="signal"/> contains every one of <paramref name="texts"/>.</summary>
    public bool AnyContains(string signal, params string[] texts) =>
        Received(signal).Any(export => texts.All(export.Contains));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>One POST: the signal, its protobuf body and its headers.</summary>
    public sealed record Export(string Signal, byte[] Body, IReadOnlyDictionary<string, string> Headers)
    {
        public bool Contains(string text) => Body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
    }
}
