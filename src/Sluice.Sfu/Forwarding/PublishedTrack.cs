using System.Collections.Immutable;
using Sluice.Rtc.Transport;
using Sluice.Sfu.Negotiation;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu.Forwarding;

/// <summary>
/// One track a publisher sends: one receiving m-section of its session, with one or more encodings (simulcast
/// layers) and the sinks its packets go to. The sink list is an immutable array replaced whole under a lock when
/// a sink joins or leaves; the packet path reads it without locking.
/// </summary>
public sealed class PublishedTrack
{
    private readonly Lock _lock = new();
    private ImmutableArray<ITrackSink> _sinks = [];

    internal PublishedTrack(PublisherSession publisher, NegotiatedTrack negotiated, WebRtcTransport transport, TimeProvider time, ulong maxBitrate)
    {
        // A participant's track is named by its msid, so that its id can be told before the offer comes (LiveKit).
        Id = publisher.Participant is { } participant && negotiated.Msid?.TrackId is { Length: > 0 } msid && msid != "-"
            ? TrackId.For(participant.FullId, msid)
            : TrackId.New();
        Publisher = publisher;
        Negotiated = negotiated;
        MidBytes = System.Text.Encoding.UTF8.GetBytes(negotiated.Mid);
        var encodings = new List<TrackEncoding>();
        if (negotiated.Encodings.Count == 0)
        {
            encodings.Add(new TrackEncoding(this, 0, null, negotiated.Ssrc, negotiated.RtxSsrc, transport, time, maxBitrate));
        }
        else
        {
            for (var i = 0; i < negotiated.Encodings.Count; i++)
            {
                var layer = negotiated.Encodings[i];
                encodings.Add(new TrackEncoding(this, i, layer.Rid, layer.Ssrc, layer.RtxSsrc, transport, time, maxBitrate));
            }
        }

        Encodings = [.. encodings];
    }

    public TrackId Id { get; }

    public PublisherSession Publisher { get; }

    public NegotiatedTrack Negotiated { get; }

    public MediaKind Kind => Negotiated.Kind;

    public string Mid => Negotiated.Mid;

    /// <summary>The mid as the MID header extension carries it (RFC 8843 §15), for routing without strings.</summary>
    internal byte[] MidBytes { get; }

    /// <summary>The codecs the publisher may send, in its preference order.</summary>
    public IReadOnlyList<NegotiatedCodec> Codecs => Negotiated.Codecs;

    /// <summary>The encodings in the offer's order: simulcast layers by <c>a=rid</c> or <c>a=ssrc-group:SIM</c>, else one.</summary>
    public ImmutableArray<TrackEncoding> Encodings { get; }

    public ImmutableArray<ITrackSink> Sinks => _sinks;

    public long PacketsReceived => Sum(static e => e.PacketsReceived);

    public long BytesReceived => Sum(static e => e.BytesReceived);

    public long PacketsLost => Sum(static e => e.Statistics.PacketsLost);

    public long NacksSent => Sum(static e => e.NacksSent);

    public long KeyframeRequests => Sum(static e => e.KeyframeRequests);

    /// <summary>Adds a sink; a video sink can start only at a keyframe, so one is asked for.</summary>
    public void AddSink(ITrackSink sink)
    {
        lock (_lock)
        {
            if (_sinks.Contains(sink))
            {
                return;
            }

            _sinks = _sinks.Add(sink);
        }

        RequestKeyframe();
    }

    public void RemoveSink(ITrackSink sink)
    {
        lock (_lock)
        {
            _sinks = _sinks.Remove(sink);
        }
    }

    /// <summary>Asks the publisher for a keyframe on every encoding (throttled per encoding). Any thread.</summary>
    public void RequestKeyframe()
    {
        if (Kind != MediaKind.Video)
        {
            return;
        }

        foreach (var encoding in Encodings)
        {
            encoding.RequestKeyframe();
        }
    }

    /// <summary>
    /// The encoding a subscription forwards when no layer is pinned: the one bringing the most bits (the best the
    /// publisher sends now), re-chosen once a second, and only for one bringing clearly more (a third), so layers of
    /// similar rates do not make subscribers switch back and forth. Until a bandwidth estimate per subscriber
    /// chooses (issue 11), every subscriber gets this one.
    /// </summary>
    public int PreferredEncoding => Volatile.Read(ref _preferred);

    private int _preferred;

    /// <summary>
    /// The node's heartbeat: NACK retries every tick; when <paramref name="sendReports"/> (once a second), receiver
    /// reports, each encoding's bitrate, and the <see cref="PreferredEncoding"/>.
    /// </summary>
    internal void OnHeartbeat(bool sendReports)
    {
        foreach (var encoding in Encodings)
        {
            encoding.RetryNacks();
            if (sendReports)
            {
                encoding.SendReceiverReport();
                encoding.MeasureBitrate();
            }
        }

        if (sendReports && Encodings.Length > 1)
        {
            var best = _preferred;
            foreach (var encoding in Encodings)
            {
                if (encoding.Bitrate > Encodings[best].Bitrate * 4 / 3)
                {
                    best = encoding.Index;
                }
            }

            Volatile.Write(ref _preferred, best);
        }
    }

    /// <summary>The names of the track's encodings, for a message naming the ones there are.</summary>
    public string EncodingNames => string.Join(", ", Encodings.Select(e => e.Name));

    /// <summary>The encoding the API calls <paramref name="name"/> (<see cref="TrackEncoding.Name"/>), if the track has it.</summary>
    public TrackEncoding? FindEncoding(string name)
    {
        foreach (var encoding in Encodings)
        {
            if (encoding.Name == name)
            {
                return encoding;
            }
        }

        return null;
    }

    private long Sum(Func<TrackEncoding, long> value)
    {
        long total = 0;
        foreach (var encoding in Encodings)
        {
            total += value(encoding);
        }

        return total;
    }
}
