using System.Collections.Immutable;
using Sluice.Rtc.Sctp;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu.Data;

/// <summary>
/// Where data channel messages go in a room (a WHIP/WHEP stream is a room with one publisher):
/// <list type="bullet">
/// <item>a publisher's message reaches every subscriber with data channels, on the subscriber's channel of the
/// same label: the one it opened itself, else one the node opens toward it with the publisher's label, protocol,
/// ordering and reliability. Text stays text, binary stays binary;</item>
/// <item>a subscriber's message reaches the publishers only, on their channel of that label (opened when missing),
/// never another subscriber;</item>
/// <item>a subscriber that comes up later gets the publisher's channels; when a publisher closes a channel, the
/// channels the node opened for it toward subscribers close too;</item>
/// <item>flow control: when a target's channel is past its buffer limit but the target still acknowledges, the
/// message is sent anyway and the source is paused (its SCTP receive window closes, so it slows down) until every
/// target is back under half its limit; a target that acknowledged nothing for <see cref="StallTimeout"/> has
/// stopped reading, and messages to it are dropped and counted instead, so it never slows the others;</item>
/// <item>with nobody to receive, a message is dropped.</item>
/// </list>
/// Runs on the receive thread; reads the room's immutable session arrays, takes no node lock.
/// </summary>
internal static class DataRelay
{
    /// <summary>How long a target may leave data unacknowledged before it counts as no longer reading.</summary>
    public static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(2);

    // Targets given messages since the last FlushTouched on this (receive) thread: one packet from a source may
    // complete many small messages, and each target sends them bundled, in one flush, instead of a packet each.
    [ThreadStatic]
    private static List<SessionData>? t_touched;

    /// <summary>Flushes every target the relay queued messages on during the current packet or tick.</summary>
    public static void FlushTouched()
    {
        if (t_touched is not { Count: > 0 } touched)
        {
            return;
        }

        foreach (var target in touched)
        {
            target.Endpoint.Association.Flush();
        }

        touched.Clear();
    }

    private static void Touch(SessionData target)
    {
        var touched = t_touched ??= [];
        if (!touched.Contains(target))
        {
            touched.Add(target);
        }
    }

    public static void OnMessage(SessionData from, DataChannel channel, DataMessage message)
    {
        var congested = false;
        foreach (var session in Targets(from))
        {
            if (session.Data is not { IsEstablished: true } target || ChannelFor(target, channel) is not { } out_)
            {
                continue;
            }

            if (out_.BufferedAmount + message.Data.Length <= target.Endpoint.BufferLimit || target.Endpoint.Association.IsStalled(StallTimeout))
            {
                // Within the limit, or the target stopped reading: the limit applies (dropped and counted when full).
                out_.Send(message.Data, message.IsBinary, withinLimit: true, flush: false);
            }
            else
            {
                out_.Send(message.Data, message.IsBinary, withinLimit: false, flush: false);
                congested = true;
            }

            Touch(target);
        }

        if (congested)
        {
            from.Endpoint.Association.PauseDelivery();
        }
    }

    /// <summary>Resumes a paused source once none of its targets is congested (called on every SACK from a target and on the heartbeat).</summary>
    public static void TryResume(SessionData source)
    {
        if (!source.Endpoint.Association.IsDeliveryPaused)
        {
            return;
        }

        foreach (var session in Targets(source))
        {
            if (session.Data is not { IsEstablished: true } target || target.Endpoint.Association.IsStalled(StallTimeout))
            {
                continue;
            }

            foreach (var channel in target.Endpoint.Channels)
            {
                if (channel.BufferedAmount > target.Endpoint.BufferLimit / 2)
                {
                    return;
                }
            }
        }

        source.Endpoint.Association.ResumeDelivery();
    }

    /// <summary>A target acknowledged data: the sources feeding it may go on.</summary>
    public static void OnTargetProgress(SessionData target)
    {
        foreach (var session in Targets(target))
        {
            if (session.Data is { } source)
            {
                TryResume(source);
            }
        }
    }

    /// <summary>A publisher opened a channel: subscribers that are up get it now.</summary>
    public static void OnChannelOpened(SessionData from, DataChannel channel)
    {
        if (from.Session.Role != SessionRole.Publisher)
        {
            return;
        }

        foreach (var subscriber in from.Session.Room.Subscribers)
        {
            if (subscriber.Data is { IsEstablished: true, Synced: true } data)
            {
                ChannelFor(data, channel);
            }
        }
    }

    /// <summary>A publisher closed a channel: the channels the node opened for it toward subscribers close.</summary>
    public static void OnChannelClosed(SessionData from, DataChannel channel)
    {
        if (from.Session.Role != SessionRole.Publisher)
        {
            return;
        }

        foreach (var subscriber in from.Session.Room.Subscribers)
        {
            if (subscriber.Data?.Endpoint.Find(channel.Label) is { OpenedByPeer: false } mirror)
            {
                mirror.Close();
            }
        }
    }

    /// <summary>A subscriber's association came up (and its own channels had time to open): it gets the publishers' channels.</summary>
    public static void Sync(SessionData data)
    {
        if (data.Session.Role != SessionRole.Subscriber)
        {
            return;
        }

        foreach (var publisher in data.Session.Room.Publishers)
        {
            if (publisher.Data is { } source)
            {
                foreach (var channel in source.Endpoint.Channels)
                {
                    if (channel.State == DataChannelState.Open && !source.IsSignalling(channel))
                    {
                        ChannelFor(data, channel);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Where a session's messages go: a publisher's to the subscribers, a subscriber's to the publishers. The room's
    /// array itself, viewed as sessions (no copy, no iterator: this runs for every SCTP packet); callers take those
    /// whose association is up.
    /// </summary>
    private static ImmutableArray<SfuSession> Targets(SessionData from) => from.Session.Role == SessionRole.Publisher
        ? ImmutableArray<SfuSession>.CastUp(from.Session.Room.Subscribers)
        : ImmutableArray<SfuSession>.CastUp(from.Session.Room.Publishers);

    /// <summary>The target's open channel with the source channel's label, opened like the source when it has none.</summary>
    private static DataChannel? ChannelFor(SessionData target, DataChannel source) =>
        target.Endpoint.Find(source.Label) ?? target.Endpoint.Open(source.Label, source.Protocol, source.Options);
}
