using Sluice.Media;
using Sluice.Sfu;
using Sluice.Sfu.Sessions;

namespace Sluice.Server.Admin;

/// <summary>Turns the node's live objects into the admin API's JSON shapes.</summary>
internal static class StreamSnapshots
{
    public static StreamInfo[] All(SfuNode node, AdminMonitor monitor)
    {
        var streams = node.Streams;
        var result = new StreamInfo[streams.Count];
        for (var i = 0; i < streams.Count; i++)
        {
            result[i] = Stream(streams[i], monitor);
        }

        // Oldest first, so rows keep their places on the dashboard as streams come and go.
        Array.Sort(result, static (a, b) => a.CreatedAt != b.CreatedAt ? a.CreatedAt.CompareTo(b.CreatedAt) : string.CompareOrdinal(a.Id, b.Id));
        return result;
    }

    public static StreamInfo Stream(Room stream, AdminMonitor monitor)
    {
        // Read each property once: sessions come and go on other threads.
        var publisher = stream.Publisher;
        var subscribers = stream.Subscribers;
        var infos = new SessionInfo[subscribers.Length];
        for (var i = 0; i < subscribers.Length; i++)
        {
            infos[i] = Session(subscribers[i], monitor);
        }

        return new StreamInfo(stream.Id.Value, stream.CreatedAt, publisher is null ? null : Session(publisher, monitor), infos);
    }

    public static SessionInfo Session(SfuSession session, AdminMonitor monitor)
    {
        var counters = session.ReadCounters();
        var (bitrateIn, bitrateOut) = monitor.Bitrate(session.Id.Value);
        return new SessionInfo(
            session.Id.Value,
            session.Role == SessionRole.Publisher ? "publisher" : "subscriber",
            session.State.ToString().ToLowerInvariant(),
            session.RemoteEndPoint?.ToString(),
            Codecs(session),
            bitrateIn,
            bitrateOut,
            counters.Packets,
            counters.PacketsLost,
            counters.Nacks,
            counters.KeyframeRequests,
            session.CreatedAt,
            session.ConnectedAt,
            Data(session),
            Cascade(session.Cascade),
            Layers(session),
            Bandwidth(session));
    }

    private static BandwidthInfo? Bandwidth(SfuSession session) =>
        session is SubscriberSession { Downlink: { Estimator: { } estimator } downlink }
            ? new BandwidthInfo(estimator.TargetBitrate, estimator.AcknowledgedBitrate, downlink.PausedTracks, estimator.ProbesStarted, estimator.ProbesSucceeded,
                estimator.FeedbacksReceived + estimator.RembsReceived, downlink.Pacer?.QueuedTotal ?? 0, downlink.Pacer?.Dropped ?? 0)
            : null;

    private static IReadOnlyList<LayerState>? Layers(SfuSession session)
    {
        if (session is not SubscriberSession subscriber)
        {
            return null;
        }

        List<LayerState>? layers = null;
        foreach (var subscription in subscriber.Subscriptions)
        {
            var temporalLayers = subscription.ForwardedEncoding?.TemporalLayerCount ?? 1;
            var spatialLayers = subscription.ForwardedEncoding?.SpatialLayerCount ?? 1;
            if (subscription.Source is { } track && (track.Encodings.Length > 1 || subscription.PausedForBandwidth || temporalLayers > 1 || spatialLayers > 1))
            {
                var pinned = subscription.PinnedEncoding is { } index && index < track.Encodings.Length ? track.Encodings[index].Name : null;
                var allocated = subscription.AllocatedEncoding is { } chosen && chosen < track.Encodings.Length ? track.Encodings[chosen].Name : null;
                (layers ??= []).Add(new LayerState(subscription.Mid, subscription.ForwardedEncoding?.Name, pinned, subscription.LayerSwitches, allocated,
                    subscription.PausedForBandwidth, Math.Min(subscription.TemporalLayer, temporalLayers - 1), temporalLayers, subscription.FramesDropped,
                    Math.Min(subscription.SpatialLayer, spatialLayers - 1), spatialLayers));
            }
        }

        return layers;
    }

    public static CascadeInfo? Cascade(CascadeLink? link) => link is null
        ? null
        : new CascadeInfo(
            link.Direction == CascadeDirection.Pull ? link.Url.ToString() : null,
            link.Direction == CascadeDirection.Push ? link.Url.ToString() : null,
            link.SessionUrl?.ToString(),
            link.IsRelay);

    private static DataInfo? Data(SfuSession session)
    {
        if (session.Data is not { } data)
        {
            return null;
        }

        var endpoint = data.Endpoint;
        var channels = new List<DataChannelInfo>();
        foreach (var channel in endpoint.Channels)
        {
            channels.Add(new DataChannelInfo(channel.Id, channel.Label, channel.Protocol, channel.Options.Ordered, channel.Options.MaxRetransmits,
                channel.Options.MaxPacketLifeTime, channel.OpenedByPeer, channel.MessagesReceived, channel.MessagesSent));
        }

        var sctp = endpoint.Association.Stats;
        return new DataInfo(endpoint.Association.State.ToString().ToLowerInvariant(), channels, endpoint.MessagesReceived, endpoint.BytesReceived,
            endpoint.MessagesSent, endpoint.BytesSent, endpoint.Dropped,
            new SctpInfo(sctp.PacketsReceived, sctp.PacketsSent, sctp.Retransmissions, sctp.FastRetransmits, sctp.Timeouts, sctp.AbandonedMessages,
                sctp.DuplicateTsns, sctp.DataDroppedWindow, sctp.Malformed, sctp.BadChecksum));
    }

    /// <summary>
    /// Each track's first negotiated codec as a MIME type ("video/VP8"): the answer lists codecs in preference
    /// order, and a sender uses the first unless told otherwise (RFC 3264 §6.1).
    /// </summary>
    private static string[] Codecs(SfuSession session)
    {
        var codecs = new List<string>(session.Tracks.Count);
        foreach (var track in session.Tracks)
        {
            if (track.Codecs.Count > 0)
            {
                codecs.Add((track.Kind == MediaKind.Audio ? "audio/" : "video/") + MediaCodecs.SdpName(track.Codecs[0].Codec));
            }
        }

        return [.. codecs];
    }
}
