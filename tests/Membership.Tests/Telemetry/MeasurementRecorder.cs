using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Membership.Web.Infrastructure.Telemetry;

namespace Membership.Tests.Telemetry;

/// <summary>
/// Records the site's measurements (the static "Membership" meter) with a <see cref="MeterListener"/>.
/// Test hosts run in parallel in one process and share that meter, so a recorder can keep only
/// the measurements made under its own trace (<see cref="ForThisTrace"/>): the callback runs on
/// the thread that records, where <see cref="Activity.Current"/> is the caller's.
/// </summary>
public sealed class MeasurementRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measurement> _measurements = new();
    private readonly Func<bool> _accept;

    public MeasurementRecorder(Func<bool>? accept = null)
    {
        _accept = accept ?? (() => true);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MembershipTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>A recorder that keeps only measurements made within <paramref name="trace"/> (started by the test).</summary>
    public static MeasurementRecorder ForThisTrace(Activity trace) => new(() => Activity.Current?.TraceId == trace.TraceId);

    public IReadOnlyList<Measurement> All(string instrument) => _measurements.Where(m => m.Instrument == instrument).ToList();

    /// <summary>Sum of <paramref name="instrument"/>'s values whose tag <paramref name="tag"/> is <paramref name="value"/>.</summary>
    public double Sum(string instrument, string tag, string value) =>
        All(instrument).Where(m => m.Tags.TryGetValue(tag, out var v) && Equals(v, value)).Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!_accept())
        {
            return;
        }

        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measurements.Enqueue(new Measurement(instrument.Name, value, copy));
    }

    /// <summary>One recorded value with its tags.</summary>
    public sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);
}
