using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Membership.Bench.DashboardLoad;

/// <summary>One database command the site ran: where from, its SQL and parameters, how long, how many rows.</summary>
internal sealed record SqlCall(string Caller, string Sql, IReadOnlyList<(string Name, object? Value)> Parameters, double Milliseconds, int Rows);

/// <summary>
/// While <see cref="Recording"/>, times every command EF runs for the site, from just before it
/// is sent until its reader is disposed (so reading and materialising the rows counts), and notes
/// the site's methods that ran it (from the stack, so only while profiling).
/// </summary>
internal sealed class SqlProfiler : DbCommandInterceptor
{
    private readonly ConcurrentDictionary<Guid, (long Start, string Caller)> _open = new();
    private readonly ConcurrentQueue<SqlCall> _calls = new();

    public bool Recording { get; set; }

    /// <summary>The commands recorded since the last call, in the order they finished.</summary>
    public List<SqlCall> Take()
    {
        var calls = new List<SqlCall>();
        while (_calls.TryDequeue(out var call))
        {
            calls.Add(call);
        }

        return calls;
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Begin(eventData);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Begin(eventData);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
    {
        End(command, eventData.CommandId, eventData.ReadCount);
        return result;
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Begin(eventData);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Begin(eventData);
        return ValueTask.FromResult(result);
    }

    public override object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result)
    {
        End(command, eventData.CommandId, 1);
        return result;
    }

    public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
    {
        End(command, eventData.CommandId, 1);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Begin(eventData);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Begin(eventData);
        return ValueTask.FromResult(result);
    }

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        End(command, eventData.CommandId, result);
        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        End(command, eventData.CommandId, result);
        return ValueTask.FromResult(result);
    }

    private void Begin(CommandEventData eventData)
    {
        if (Recording)
        {
            var caller = Caller();
            _open[eventData.CommandId] = (Stopwatch.GetTimestamp(), caller);
        }
    }

    private void End(DbCommand command, Guid id, int rows)
    {
        if (_open.TryRemove(id, out var open))
        {
            var elapsed = Stopwatch.GetElapsedTime(open.Start).TotalMilliseconds;
            var parameters = command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, (object?)p.Value)).ToList();
            _calls.Enqueue(new SqlCall(open.Caller, command.CommandText, parameters, elapsed, rows));
        }
    }

    /// <summary>
    /// "CreatorMetrics.ForMonthsAsync &lt; DashboardQuery.LoadAsync": the site's methods on the stack, innermost
    /// first. No line numbers: in optimised (tiered-up) Release code they point at the wrong lines.
    /// </summary>
    private static string Caller()
    {
        var frames = new StackTrace(2, fNeedFileInfo: false).GetFrames();
        var names = new List<string>();
        foreach (var frame in frames)
        {
            var method = frame.GetMethod();
            var type = method?.DeclaringType;
            if (type?.Namespace is null || !type.FullName!.StartsWith("Membership.Web", StringComparison.Ordinal))
            {
                continue;
            }

            // An async method runs in a nested "<ForMonthsAsync>d__1"; a lambda is "<Use>b__0_0" in "<>c"
            // (an async lambda in "<<Use>b__0_0>d"): name them by the method they are written in.
            var name = method!.Name;
            var lambda = name.Contains("b__", StringComparison.Ordinal);
            while (type.Name.StartsWith('<') && type.DeclaringType is { } outer)
            {
                if (!type.Name.StartsWith("<>", StringComparison.Ordinal))
                {
                    name = type.Name;
                    lambda |= type.Name.Contains("b__", StringComparison.Ordinal);
                }

                type = outer;
            }

            name = Inner(name) + (lambda ? " (lambda)" : "");
            var label = $"{type.Name}.{name}";
            if (names.Count > 0 && names[^1] == label)
            {
                continue; // the same method again (an async method's stub below its state machine)
            }

            names.Add(label);

            if (names.Count == 2)
            {
                break;
            }
        }

        return names.Count == 0 ? "(not the site's code)" : string.Join(" < ", names);
    }

    /// <summary>"ForMonthsAsync" from "&lt;ForMonthsAsync&gt;d__1" or "&lt;&lt;Use&gt;b__0_0&gt;d"; a plain name as it is.</summary>
    private static string Inner(string name)
    {
        var trimmed = name.TrimStart('<');
        var end = trimmed.IndexOf('>', StringComparison.Ordinal);
        return trimmed.Length < name.Length && end > 0 ? trimmed[..end] : name;
    }
}
