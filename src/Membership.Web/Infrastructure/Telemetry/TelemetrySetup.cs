using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Membership.Web.Infrastructure.Telemetry;

/// <summary>
/// OpenTelemetry, switched on by an OTLP endpoint: then the site exports its traces (requests,
/// outgoing HTTP including Stripe, its own spans), metrics (ASP.NET Core's, HttpClient's and the
/// <see cref="MembershipTelemetry"/> instruments) and logs (every ILogger message with its
/// template's values). Without an endpoint nothing is registered: no listener, no exporter, and
/// the site's instruments stay unobserved.
/// </summary>
public static class TelemetrySetup
{
    /// <summary>The standard variable the OpenTelemetry SDKs read; used when <c>Telemetry:OtlpEndpoint</c> is empty.</summary>
    public const string StandardEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The SDK's own default delay between trace and log batches.</summary>
    private const int BatchDelayMilliseconds = 5000;

    public static IServiceCollection AddMembershipTelemetry(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.Configure<TelemetrySettings>(configuration.GetSection("Telemetry"));
        var settings = configuration.GetSection("Telemetry").Get<TelemetrySettings>() ?? new TelemetrySettings();
        var endpoint = string.IsNullOrWhiteSpace(settings.OtlpEndpoint) ? configuration[StandardEndpointVariable] : settings.OtlpEndpoint;
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return services;
        }

        if (!Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out var baseUri) || (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException($"Telemetry:OtlpEndpoint must be an http or https address (e.g. http://collector:4318), not \"{endpoint}\".");
        }

        var protocol = settings.Protocol.Trim().ToLowerInvariant() switch
        {
            "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            "grpc" => OtlpExportProtocol.Grpc,
            _ => throw new InvalidOperationException($"Telemetry:Protocol must be http/protobuf or grpc, not \"{settings.Protocol}\"."),
        };
        if (!HeadersAreWellFormed(settings.Headers))
        {
            // The value is a secret: the message does not repeat it.
            throw new InvalidOperationException("Telemetry:Headers must be key=value pairs separated by commas.");
        }

        if (settings.ExportIntervalSeconds < 1)
        {
            throw new InvalidOperationException("Telemetry:ExportIntervalSeconds must be at least 1.");
        }

        if (string.IsNullOrWhiteSpace(settings.ServiceName))
        {
            throw new InvalidOperationException("Telemetry:ServiceName must not be empty.");
        }

        var intervalMilliseconds = settings.ExportIntervalSeconds * 1000;
        var batchDelay = Math.Min(BatchDelayMilliseconds, intervalMilliseconds);
        void Exporter(OtlpExporterOptions options, string signalPath)
        {
            options.Protocol = protocol;
            // Set in code, the address is used as given: with http/protobuf each signal has its own path.
            options.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf
                ? new Uri(baseUri.AbsoluteUri.TrimEnd('/') + "/" + signalPath)
                : baseUri;
            options.Headers = string.IsNullOrWhiteSpace(settings.Headers) ? null : settings.Headers.Trim();
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService(settings.ServiceName.Trim(), serviceInstanceId: Environment.MachineName)
                .AddAttributes([new("deployment.environment.name", environment.EnvironmentName)]))
            .WithTracing(tracing => tracing
                .AddSource(MembershipTelemetry.Name)
                // Probes every few seconds would drown the traces worth reading; their rate and
                // latency are still in the request metrics.
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !context.Request.Path.StartsWithSegments("/healthz"))
                .AddHttpClientInstrumentation()
                .AddOtlpExporter(options =>
                {
                    Exporter(options, "v1/traces");
                    options.BatchExportProcessorOptions.ScheduledDelayMilliseconds = batchDelay;
                }))
            .WithMetrics(metrics => metrics
                .AddMeter(MembershipTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddOtlpExporter((options, reader) =>
                {
                    Exporter(options, "v1/metrics");
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = intervalMilliseconds;
                }))
            .WithLogging(
                logging => logging.AddOtlpExporter((options, processor) =>
                {
                    Exporter(options, "v1/logs");
                    processor.BatchExportProcessorOptions.ScheduledDelayMilliseconds = batchDelay;
                }),
                options => options.IncludeFormattedMessage = true);
        return services;
    }

    private static bool HeadersAreWellFormed(string headers) =>
        string.IsNullOrWhiteSpace(headers)
        || headers.Split(',', StringSplitOptions.TrimEntries).All(pair => pair.IndexOf('=', StringComparison.Ordinal) > 0);
}
