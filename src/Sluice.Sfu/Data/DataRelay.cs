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
/// <item>with nobody to receive, a message is dropped; a peer that stops reading fills its channel's buffer and
/// further messages to it are dropped and counted, never queued without bound.</item>
/// </list>
/// Runs on the receive thread; reads the room's immutable session arrays, takes no node lock.
/// </summary>
internal static class DataRelay
{
    public static void OnMessage(SessionData from, DataChannel channel, DataMessage message)
    {
        var room = from.Session.Room;
        if (from.Session.Role == SessionRole.Publisher)
        {
            foreach (var subscriber in room.Subscribers)
            {
                if (subscriber.Data is { IsEstablished: true } data)
                {
                    ChannelFor(data, channel)?.Send(message.Data, message.IsBinary);
                }
            }
        }
        else
        {
            foreach (var publisher in room.Publishers)
            {
                if (publisher.Data is { IsEstablished: true } data)
                {
                    ChannelFor(data, channel)?.Send(message.Data, message.IsBinary);
                }
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
                    if (channel.State == DataChannelState.Open)
                    {
                        ChannelFor(data, channel);
                    }
                }
            }
        }
    }

    /// <summary>The target's open channel with the source channel's label, opened like the source when it has none.</summary>
    private static DataChannel? ChannelFor(SessionData target, DataChannel source) =>
        target.Endpoint.Find(source.Label) ?? target.Endpoint.Open(source.Label, source.Protocol, source.Options);
}
