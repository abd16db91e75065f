namespace Membership.Web.Infrastructure.Telemetry;

/// <summary>Section <c>Telemetry</c>: where traces, metrics and logs go by OTLP (nowhere by default).</summary>
public sealed class TelemetrySettings
{
    /// <summary>
    /// The collector's base address (http://collector:4318 for http/protobuf, :4317 for grpc).
    /// Empty: the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> if set, else no export at all.
    /// </summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary><c>http/protobuf</c> or <c>grpc</c>.</summary>
    public string Protocol { get; set; } = "http/protobuf";

    /// <summary>The <c>service.name</c> every span, metric and log carries.</summary>
    public string ServiceName { get; set; } = "membership";

    /// <summary>Headers sent with every export (<c>key=value,key2=value2</c>), e.g. a hosted collector's API key: a secret.</summary>
    public string Headers { get; set; } = "";

    /// <summary>How often metrics are exported; traces and logs go every 5 seconds, or this often when shorter.</summary>
    public int ExportIntervalSeconds { get; set; } = 60;
}
