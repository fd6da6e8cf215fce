using System.Collections.Immutable;

namespace Sluice.Sfu.Forwarding;

/// <summary>
/// A stream's audio or video slot: outlives any one publisher, so subscribers stay attached while a
/// publisher leaves and another (or the same) comes back. The subscriber list is an immutable array
/// replaced whole on join and leave; the forwarding loop reads it without locking.
/// </summary>
public sealed class StreamTrack
{
    private readonly Lock _lock = new();
    private ImmutableArray<SubscriberTrack> _subscribers = [];
    private volatile PublisherTrack? _source;
    private int _epoch;

    public StreamTrack(MediaKind kind) => Kind = kind;

    public MediaKind Kind { get; }

    public ImmutableArray<SubscriberTrack> Subscribers => _subscribers;

    /// <summary>The publisher's track feeding this slot now, if any.</summary>
    public PublisherTrack? Source => _source;

    /// <summary>Changes each time the source changes, so subscribers know to resynchronise.</summary>
    public int Epoch => Volatile.Read(ref _epoch);

    public void Attach(SubscriberTrack subscriber)
    {
        lock (_lock)
        {
            _subscribers = _subscribers.Add(subscriber);
        }

        // A joining subscriber can only start at a keyframe.
        RequestKeyframe();
    }

    public void Detach(SubscriberTrack subscriber)
    {
        lock (_lock)
        {
            _subscribers = _subscribers.Remove(subscriber);
        }
    }

    public void SetSource(PublisherTrack? source)
    {
        lock (_lock)
        {
            _source = source;
            Interlocked.Increment(ref _epoch);
        }
    }

    /// <summary>Clears the source only if it is still <paramref name="source"/> (a newer publisher may have taken over).</summary>
    public void ClearSource(PublisherTrack source)
    {
        lock (_lock)
        {
            if (_source == source)
            {
                _source = null;
                Interlocked.Increment(ref _epoch);
            }
        }
    }

    public void RequestKeyframe()
    {
        if (Kind == MediaKind.Video)
        {
            _source?.RequestKeyframe();
        }
    }
}
