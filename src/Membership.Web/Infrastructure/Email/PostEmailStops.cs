using System.Collections.Concurrent;

namespace Membership.Web.Infrastructure.Email;

/// <summary>
/// Tells a post's running email deliveries to stop, the moment the post is unpublished. A
/// delivery on this node hears it at once (the unpublish calls <see cref="Stop"/>), so at most
/// the message each connection already has on the wire still goes; a delivery on another node
/// hears it from the database within <see cref="PollInterval"/>.
/// </summary>
public sealed class PostEmailStops
{
    /// <summary>How often a running delivery reads whether its post is still published.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentDictionary<int, ConcurrentDictionary<Watch, byte>> _running = new();

    /// <summary>A running delivery of <paramref name="postId"/> listens until the watch is disposed.</summary>
    public Watch Start(int postId)
    {
        var watch = new Watch(this, postId);
        _running.GetOrAdd(postId, _ => new ConcurrentDictionary<Watch, byte>())[watch] = 0;
        return watch;
    }

    /// <summary>Every running delivery of the post on this node stops before its next message.</summary>
    public void Stop(int postId)
    {
        if (_running.TryGetValue(postId, out var watches))
        {
            foreach (var watch in watches.Keys)
            {
                watch.Set();
            }
        }
    }

    private void Forget(Watch watch)
    {
        if (_running.TryGetValue(watch.PostId, out var watches))
        {
            watches.TryRemove(watch, out _);
        }
    }

    /// <summary>One delivery run's stop flag: read before each message, at no cost.</summary>
    public sealed class Watch(PostEmailStops owner, int postId) : IDisposable
    {
        private volatile bool _stopped;

        public int PostId { get; } = postId;

        public bool IsStopped => _stopped;

        public void Set() => _stopped = true;

        public void Dispose() => owner.Forget(this);
    }
}
