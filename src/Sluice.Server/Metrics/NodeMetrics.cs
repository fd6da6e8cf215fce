using System.Diagnostics.Metrics;
using Sluice.Server.Health;
using Sluice.Sfu;
using Sluice.Sfu.Sessions;

namespace Sluice.Server.Metrics;

/// <summary>
/// The node's System.Diagnostics.Metrics instruments (meter "Sluice"), so that /metrics and any later OTLP
/// exporter read the same source. Media counters are not incremented per packet: the tracks already count,
/// so a scrape sums the live sessions' counters onto the totals folded in from sessions that ended. A
/// session moves from live to ended under one lock, which keeps every counter monotonic across a session
/// ending. Created with the app (not on the first scrape) so it sees every session from the first.
/// </summary>
internal sealed class NodeMetrics : IDisposable
{
    public const string MeterName = "Sluice";

    private static readonly KeyValuePair<string, object?> Received = new("direction", "received");
    private static readonly KeyValuePair<string, object?> Sent = new("direction", "sent");
    private static readonly KeyValuePair<string, object?> PublisherRole = new("role", "publisher");
    private static readonly KeyValuePair<string, object?> SubscriberRole = new("role", "subscriber");
    private static readonly TimeSpan EstimateInterval = TimeSpan.FromSeconds(5);

    private readonly SfuNode _node;
    private readonly Lock _lock = new();

    // Value: the highest loss seen for the session. Loss (expected minus received) falls when a
    // retransmission fills a gap; the counter keeps the high-water mark so it never goes back.
    private readonly Dictionary<SfuSession, LossMark> _live = [];
    private Counts _ended;
    private long _iceFailures;
    private long _dtlsFailures;
    private readonly Counter<long> _httpRequests;
    private readonly Histogram<double> _setupTime;
    private readonly Histogram<long> _estimates;
    private readonly Timer _sampler;

    public NodeMetrics(IMeterFactory meters, SfuNode node, DrainCoordinator drain)
    {
        _node = node;
        Meter = meters.Create(MeterName);
        Meter.CreateObservableGauge("sluice.streams", () => _node.Streams.Count, "{stream}", "Live streams");
        Meter.CreateObservableGauge("sluice.rooms", () => _node.Conferences.Count, "{room}", "Live rooms (conferences)");
        Meter.CreateObservableGauge("sluice.participants", CountParticipants, "{participant}", "People in rooms (one per participant id, whatever their sessions)");
        Meter.CreateObservableGauge("sluice.publishers", CountPublishers, "{session}", "Publisher sessions");
        Meter.CreateObservableGauge("sluice.subscribers", CountSubscribers, "{session}", "Subscriber sessions");
        Meter.CreateObservableGauge("sluice.draining", () => drain.IsDraining ? 1 : 0, null, "1 while the node drains (refuses new sessions), else 0");

        // Bytes are RTP packets (header and payload) as the node forwards them: after SRTP unprotect on the
        // way in, before SRTP protect on the way out, so in and out compare (no auth tags, no RTCP).
        Meter.CreateObservableCounter("sluice.received.packets", () => Read().PacketsIn, "{packet}", "RTP packets received from publishers (duplicates excluded, RTX repairs included)");
        Meter.CreateObservableCounter("sluice.received.bytes", () => Read().BytesIn, "By", "RTP bytes received from publishers, SRTP overhead excluded");
        Meter.CreateObservableCounter("sluice.sent.packets", () => Read().PacketsOut, "{packet}", "RTP packets forwarded to subscribers (retransmissions excluded)");
        Meter.CreateObservableCounter("sluice.sent.bytes", () => Read().BytesOut, "By", "RTP bytes forwarded to subscribers, SRTP overhead excluded");
        Meter.CreateObservableCounter("sluice.packets.lost", () => Read().Lost, "{packet}", "Publishers' packets the node saw lost (RFC 3550 cumulative loss, highest per session)");
        Meter.CreateObservableCounter("sluice.nacks", () => Pair(Read(), c => c.NacksReceived, c => c.NacksSent), "{packet}", "Generic NACKs (RFC 4585): received from subscribers, sent to publishers");
        Meter.CreateObservableCounter("sluice.keyframe.requests", () => Pair(Read(), c => c.KeyframeRequestsReceived, c => c.KeyframeRequestsSent), "{request}", "PLIs and FIRs: received from subscribers, sent to publishers");
        Meter.CreateObservableCounter("sluice.data.messages", () => Pair(Read(), c => c.DataMessagesIn, c => c.DataMessagesOut), "{message}", "Data channel messages: received from peers, sent to peers");
        Meter.CreateObservableCounter("sluice.data.bytes", () => Pair(Read(), c => c.DataBytesIn, c => c.DataBytesOut), "By", "Data channel message bytes: received from peers, sent to peers");
        Meter.CreateObservableCounter("sluice.data.dropped", () => Read().DataDropped, "{message}", "Data channel messages not sent: the peer's channel buffer was full, the message too large, or the channel closed");
        Meter.CreateObservableCounter("sluice.retransmissions", () => Read().Retransmissions, "{packet}", "Packets resent to subscribers from the retransmission cache");
        Meter.CreateObservableCounter("sluice.layer.switches", () => Read().LayerSwitches, "{switch}", "Subscribers moved from one simulcast encoding of a track to another (at a keyframe)");
        Meter.CreateObservableCounter("sluice.bandwidth.probes", () => Read().Probes, "{probe}", "Probes sent to subscribers to find out whether their path carries a better layer");
        Meter.CreateObservableGauge("sluice.paused.tracks", CountPausedTracks, "{track}", "Subscribers' video tracks paused now because their bandwidth estimate does not carry the lowest layer");
        Meter.CreateObservableCounter("sluice.ice.failures", () => Volatile.Read(ref _iceFailures), "{session}", "Sessions that ended failing ICE (no check succeeded, or consent expired)");
        Meter.CreateObservableCounter("sluice.dtls.failures", () => Volatile.Read(ref _dtlsFailures), "{session}", "Sessions that ended failing DTLS");
        _httpRequests = Meter.CreateCounter<long>("sluice.http.requests", "{request}", "HTTP requests by route template, method and status");
        _setupTime = Meter.CreateHistogram("sluice.session.setup.seconds", "s", "From a session's WHIP/WHEP POST to its first media packet (publisher: received; subscriber: sent)",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

        _estimates = Meter.CreateHistogram<long>("sluice.subscriber.bandwidth.bits.per.second", "bit/s", "Subscribers' bandwidth estimates, each live subscriber's sampled every 5 s",
            tags: null, advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 20_000_000] });
        _sampler = new Timer(_ => SampleEstimates(), null, EstimateInterval, EstimateInterval);

        node.SessionCreated += OnSessionCreated;
        node.SessionEnded += OnSessionEnded;
    }

    public Meter Meter { get; }

    public void CountRequest(string route, string method, int status) =>
        _httpRequests.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("method", method), new KeyValuePair<string, object?>("status", status));

    private void OnSessionCreated(SfuSession session)
    {
        lock (_lock)
        {
            _live[session] = new LossMark();
        }

        session.MediaStarted += OnMediaStarted;
    }

    private void OnSessionEnded(SfuSession session)
    {
        lock (_lock)
        {
            if (!_live.Remove(session, out var mark))
            {
                return;
            }

            Add(ref _ended, session, mark);
        }

        switch (session.EndReason)
        {
            case SessionEndReason.IceFailed or SessionEndReason.ConsentExpired:
                Interlocked.Increment(ref _iceFailures);
                break;
            case SessionEndReason.DtlsFailed:
                Interlocked.Increment(ref _dtlsFailures);
                break;
        }
    }

    private void OnMediaStarted(SfuSession session)
    {
        if (session.SetupTime is { } setup)
        {
            _setupTime.Record(setup.TotalSeconds, session.Role == SessionRole.Publisher ? PublisherRole : SubscriberRole);
        }
    }

    private Counts Read()
    {
        lock (_lock)
        {
            var counts = _ended;
            foreach (var (session, mark) in _live)
            {
                Add(ref counts, session, mark);
            }

            return counts;
        }
    }

    private static void Add(ref Counts counts, SfuSession session, LossMark mark)
    {
        if (session.Data?.Endpoint is { } data)
        {
            counts.DataMessagesIn += data.MessagesReceived;
            counts.DataBytesIn += data.BytesReceived;
            counts.DataMessagesOut += data.MessagesSent;
            counts.DataBytesOut += data.BytesSent;
            counts.DataDropped += data.Dropped;
        }

        switch (session)
        {
            case PublisherSession publisher:
                var received = publisher.ReadCounters();
                counts.PacketsIn += received.Packets;
                counts.BytesIn += received.Bytes;
                counts.NacksSent += received.Nacks;
                counts.KeyframeRequestsSent += received.KeyframeRequests;
                mark.Highest = Math.Max(mark.Highest, received.PacketsLost);
                counts.Lost += mark.Highest;
                break;
            case SubscriberSession subscriber:
                var sent = subscriber.ReadCounters();
                counts.PacketsOut += sent.Packets;
                counts.BytesOut += sent.Bytes;
                counts.NacksReceived += sent.Nacks;
                counts.KeyframeRequestsReceived += sent.KeyframeRequests;
                counts.Retransmissions += sent.Retransmissions;
                counts.Probes += subscriber.Downlink.Estimator?.ProbesStarted ?? 0;
                foreach (var subscription in subscriber.Subscriptions)
                {
                    counts.LayerSwitches += subscription.LayerSwitches;
                }

                break;
        }
    }

    private int CountParticipants()
    {
        var count = 0;
        foreach (var room in _node.Conferences)
        {
            var people = new HashSet<string>(StringComparer.Ordinal);
            foreach (var session in room.Publishers.Cast<Sfu.Sessions.SfuSession>().Concat(room.Subscribers))
            {
                if (session.Participant is { } participant)
                {
                    people.Add(participant.Id);
                }
            }

            count += people.Count;
        }

        return count;
    }

    private void SampleEstimates()
    {
        foreach (var room in _node.Rooms)
        {
            foreach (var subscriber in room.Subscribers)
            {
                if (subscriber.Downlink.Estimator is { HasFeedback: true } estimator)
                {
                    _estimates.Record(estimator.TargetBitrate);
                }
            }
        }
    }

    private long CountPausedTracks()
    {
        long count = 0;
        foreach (var room in _node.Rooms)
        {
            foreach (var subscriber in room.Subscribers)
            {
                count += subscriber.Downlink.PausedTracks;
            }
        }

        return count;
    }

    public void Dispose() => _sampler.Dispose();

    private int CountPublishers()
    {
        var count = 0;
        foreach (var stream in _node.Rooms)
        {
            count += stream.Publishers.Length;
        }

        return count;
    }

    private int CountSubscribers()
    {
        var count = 0;
        foreach (var stream in _node.Rooms)
        {
            count += stream.Subscribers.Length;
        }

        return count;
    }

    private static Measurement<long>[] Pair(Counts counts, Func<Counts, long> received, Func<Counts, long> sent) =>
        [new(received(counts), Received), new(sent(counts), Sent)];

    private sealed class LossMark
    {
        public long Highest;
    }

    private struct Counts
    {
        public long PacketsIn;
        public long BytesIn;
        public long PacketsOut;
        public long BytesOut;
        public long Lost;
        public long NacksReceived;
        public long NacksSent;
        public long KeyframeRequestsReceived;
        public long KeyframeRequestsSent;
        public long Retransmissions;
        public long LayerSwitches;
        public long Probes;
        public long DataMessagesIn;
        public long DataBytesIn;
        public long DataMessagesOut;
        public long DataBytesOut;
        public long DataDropped;
    }
}
