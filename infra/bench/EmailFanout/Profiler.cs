using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Membership.Web.Features.Posts.Email;
using Membership.Web.Infrastructure.Email;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Membership.Bench.EmailFanout;

/// <summary>
/// Cheap profile of a sending run (<c>--profile</c>), from outside the code under test: the time of
/// every database command the site runs (by statement shape) and of every channel send (MIME build
/// plus the SMTP transaction). What is left of the workers' wall time is the sender's own work:
/// composing, EF query building and materialising, and waiting for a thread. The PRAGMAs the
/// site's SqlitePragmas interceptor runs on every connection open bypass EF's command
/// interception, so they land in that rest too.
/// </summary>
internal sealed partial class Profiler
{
    private readonly ConcurrentDictionary<string, Stat> _commands = new();
    private readonly Stat _sends = new();

    public Profiler() => Commands = new CommandTimer(this);

    /// <summary>Only figures taken while enabled count.</summary>
    public bool Enabled { get; set; }

    public DbCommandInterceptor Commands { get; }

    public IDeliveryChannelFactory Channels(IDeliveryChannelFactory inner) => new TimedChannels(inner, this);

    public void Reset()
    {
        _commands.Clear();
        _sends.Reset();
    }

    /// <summary>Lines for the report; <paramref name="wall"/> is the sending phase, spread over <paramref name="workers"/>.</summary>
    public IEnumerable<string> Report(TimeSpan wall, int workers, int messages)
    {
        var workerTime = wall.TotalMilliseconds * workers;
        string Share(double ms) => $"{ms / workers,8:F0} ms per worker  {100 * ms / workerTime,3:F0} %  {1000 * ms / Math.Max(1, messages),6:F0} us/msg";

        var (sendCount, sendMs) = _sends.Read();
        yield return $"  channel sends (MIME + SMTP)  x{sendCount,-6} {Share(sendMs)}";
        var dbMs = 0.0;
        foreach (var (shape, stat) in _commands.OrderByDescending(c => c.Value.Read().Ms))
        {
            var (count, ms) = stat.Read();
            dbMs += ms;
            yield return $"  db {shape,-25} x{count,-6} {Share(ms)}";
        }

        yield return $"  rest (compose, EF, waits)            {Share(Math.Max(0, workerTime - sendMs - dbMs))}";
    }

    private void Command(DbCommand command, TimeSpan duration)
    {
        if (Enabled)
        {
            _commands.GetOrAdd(Shape(command.CommandText), _ => new Stat()).Add(duration.TotalMilliseconds);
        }
    }

    /// <summary>"UPDATE EmailRecipients SET Attempts..." and the like: enough to tell the sender's statements apart.</summary>
    private static string Shape(string sql)
    {
        var text = Quotes().Replace(sql, "");
        var verb = Verb().Match(text);
        var table = Table().Match(text);
        var set = SetFirst().Match(text);
        var shape = $"{(verb.Success ? verb.Value.ToUpperInvariant() : "?")} {(table.Success ? table.Groups[1].Value : "")}";
        return set.Success ? $"{shape} {set.Groups[1].Value}" : shape;
    }

    [GeneratedRegex("[\"`\\[\\]]")]
    private static partial Regex Quotes();

    [GeneratedRegex(@"^\s*(SELECT|UPDATE|INSERT|DELETE|PRAGMA|BEGIN|COMMIT|WITH)", RegexOptions.IgnoreCase)]
    private static partial Regex Verb();

    [GeneratedRegex(@"(?:FROM|UPDATE|INTO)\s+(\w+)", RegexOptions.IgnoreCase)]
    private static partial Regex Table();

    [GeneratedRegex(@"\bSET\s+(\w+)", RegexOptions.IgnoreCase)]
    private static partial Regex SetFirst();

    private sealed class Stat
    {
        private long _count;
        private long _ticks;

        public void Add(double ms)
        {
            Interlocked.Increment(ref _count);
            Interlocked.Add(ref _ticks, (long)(ms * TimeSpan.TicksPerMillisecond));
        }

        public (long Count, double Ms) Read() => (Interlocked.Read(ref _count), Interlocked.Read(ref _ticks) / (double)TimeSpan.TicksPerMillisecond);

        public void Reset()
        {
            Interlocked.Exchange(ref _count, 0);
            Interlocked.Exchange(ref _ticks, 0);
        }
    }

    private sealed class CommandTimer(Profiler profiler) : DbCommandInterceptor
    {
        public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
        {
            profiler.Command(command, eventData.Duration);
            return result;
        }

        public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
        {
            profiler.Command(command, eventData.Duration);
            return ValueTask.FromResult(result);
        }

        public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
        {
            profiler.Command(command, eventData.Duration);
            return result;
        }

        public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            profiler.Command(command, eventData.Duration);
            return ValueTask.FromResult(result);
        }

        public override object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result)
        {
            profiler.Command(command, eventData.Duration);
            return result;
        }

        public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
        {
            profiler.Command(command, eventData.Duration);
            return ValueTask.FromResult(result);
        }
    }

    private sealed class TimedChannels(IDeliveryChannelFactory inner, Profiler profiler) : IDeliveryChannelFactory
    {
        public int Parallelism => inner.Parallelism;

        public IDeliveryChannel Create() => new TimedChannel(inner.Create(), profiler);
    }

    private sealed class TimedChannel(IDeliveryChannel inner, Profiler profiler) : IDeliveryChannel
    {
        public async Task SendAsync(EmailMessage message, Task finishAfter, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            await inner.SendAsync(message, finishAfter, cancellationToken);
            if (profiler.Enabled)
            {
                profiler._sends.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        public Task ResetAsync() => inner.ResetAsync();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
