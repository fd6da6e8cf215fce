using System.Collections.Immutable;
using Sluice.Rtc;
using Sluice.Rtc.Congestion;
using Sluice.Rtc.Rtcp;
using Sluice.Rtc.Rtp;
using Sluice.Rtc.Transport;
using Sluice.Sfu.Negotiation;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu.Forwarding;

/// <summary>
/// A subscriber session's way out, shared by its subscriptions: every RTP packet leaves through <see cref="Send"/>,
/// which stamps the session's transport-wide sequence number (when the subscriber negotiated it) and tells the
/// bandwidth estimator what left and when. The subscriber's feedback (transport-cc, REMB, receiver reports) feeds
/// the estimator; every heartbeat the estimate is shared out among the subscriptions (<see cref="Allocate"/>):
/// audio first, then every video track's lowest layer in section order, then upgrades in that order, so the first
/// track is the best served; a video track whose lowest layer does not fit is paused. When a better layer is wanted
/// and does not fit, a probe (RTX copies of recent packets, paced over the sends of the next 100 ms) finds out
/// whether the path carries more. Receive thread only; nothing allocates per packet.
/// </summary>
public sealed class Downlink : IPacedSender
{
    /// <summary>No allocation yet: a subscription forwards its track's preferred encoding.</summary>
    internal const int Unallocated = -1;

    /// <summary>The estimate does not carry the track's lowest layer: video sends nothing until it does.</summary>
    internal const int Paused = -2;

    // Sized for SRTP's tag and the UDP/IP headers, which the path carries too.
    private const int WireOverhead = 16 + 28;

    // A layer is taken up only when the estimate clears it by this much; kept until the estimate falls below it.
    private const double UpgradeMargin = 1.15;

    // The share of the estimate upgrades may spend; the rest absorbs layer-rate fluctuation.
    private const double Headroom = 0.9;

    // Heartbeats (100 ms) the estimate must fall short of a flowing track's lowest layer before the track pauses.
    private const int PauseAfterTicks = 10;

    // How recent a loss-based cut must be for a shortfall to pause video.
    private const long PauseLossWindowMicros = 5_000_000;

    // Heartbeats the estimate must carry a paused track's lowest layer before it resumes.
    private const int ResumeAfterTicks = 10;

    // Probes while video is paused come sooner: they cost little, and a paused track waits on them.
    private static readonly long ProbeRetryMicros = 4_000_000;
    private static readonly long PausedProbeRetryMicros = 1_000_000;
    private static readonly long ProbeAfterSuccessMicros = 500_000;

    // When a probe's feedback is surely in: its 100 ms, a round trip and a feedback interval.
    private static readonly long ProbeOutcomeMicros = 400_000;

    // How long after the allocation took a track down its upgrades wait for proof.
    private static readonly long DowngradeMemoryMicros = 10_000_000;

    // How long a probe's measured rate vouches for upgrades: long enough for the upgrades it allows to start
    // flowing, after which the acknowledged rate shows what the path carries.
    private static readonly long ProbeVouchesMicros = 3_000_000;

    // A probe's rate as a multiple of the estimate: bold while probes succeed, gentle after one found nothing.
    private const double BoldProbe = 1.5;
    private const double GentleProbe = 1.25;

    // The first probe, before the estimate chooses any layer: Chromium's first is 3 times its start rate.
    private const double InitialProbe = 3.0;

    private readonly WebRtcTransport _transport;
    private readonly TimeProvider _time;
    private readonly BandwidthEstimatorOptions? _options;
    private BandwidthEstimator? _estimator;
    private Pacer? _pacer;
    private int _transportCcId;
    private ushort _nextSequence;

    // The probe being sent: its cluster, rate, start, bytes so far, and the subscription whose packets it copies.
    private int _probeCluster = -1;
    private long _probeBitrate;
    private long _probeStartedAt;
    private long _probeBytes;
    private int _probeBack;
    private Subscription? _probeSource;
    private long _nextProbeAt;
    private double _probeFactor = BoldProbe;
    private bool _probeOutcomePending;
    private bool _initialProbeDone;
    private int _shortTicks;
    private int _fitTicks;
    private long _pausedTracks;
    private bool _allocating = true;

    internal Downlink(WebRtcTransport transport, IReadOnlyList<NegotiatedTrack> tracks, TimeProvider time, BandwidthEstimatorOptions? options)
    {
        _transport = transport;
        _time = time;
        _options = options;
        Renegotiated(tracks);
    }

    /// <summary>The bandwidth estimate toward this subscriber in bit/s; null when it negotiated no congestion feedback.</summary>
    public long? EstimatedBitrate => _estimator?.TargetBitrate;

    /// <summary>
    /// How long a resent packet waits before it is resent again on another NACK (µs): the round trip the feedback
    /// shows (a receiver asks again each round trip until the first resend could have arrived), at least 50 ms;
    /// 100 ms without an estimate.
    /// </summary>
    internal long ResendIntervalMicros => _estimator is { } estimator ? Math.Max(50_000, estimator.RoundTripMicros) : 100_000;

    /// <summary>The estimator, for its counters; null without congestion feedback.</summary>
    public BandwidthEstimator? Estimator => _estimator;

    /// <summary>The pacer, for its counters; null without congestion feedback.</summary>
    public Pacer? Pacer => _pacer;

    /// <summary>Video tracks paused now because the estimate does not carry their lowest layer.</summary>
    public long PausedTracks => Volatile.Read(ref _pausedTracks);

    /// <summary>
    /// False for a session that is another node's relay: a node-to-node link is not a viewer's, and the choice of
    /// layer is made for each viewer on the node it watches from, so the relay gets each track's best layer.
    /// </summary>
    public bool Allocating
    {
        get => Volatile.Read(ref _allocating);
        set => Volatile.Write(ref _allocating, value);
    }

    /// <summary>
    /// The session's media sections as negotiated now: the transport-wide sequence number's extension id (a
    /// renegotiation may not move it in a bundle, but the answer says), and the estimator once the subscriber has
    /// a way to give feedback (a room subscriber starts with a data channel only and gets its media sections later).
    /// </summary>
    internal void Renegotiated(IReadOnlyList<NegotiatedTrack> tracks)
    {
        _transportCcId = NegotiatedTrack.SessionTransportWideCcId(tracks);
        if (_estimator is null && _options is not null && (_transportCcId != 0 || tracks.Any(t => t.Codecs.Any(c => c.Remb))))
        {
            // The pacer first: the receive thread reads the estimator to decide whether there is one.
            _pacer = new Pacer();
            Volatile.Write(ref _estimator, new BandwidthEstimator(_options));
        }
    }

    /// <summary>
    /// Sends the RTP packet of <paramref name="length"/> bytes at the start of <paramref name="buffer"/> (which has
    /// room for the transport-wide sequence number's element, and for SRTP): stamped, protected, sent, recorded. A
    /// <paramref name="paced"/> packet (video, retransmissions) may wait in the pacer behind others and leave within
    /// a few hundred milliseconds, in order; audio and probes leave at once. False when it did not leave and will not.
    /// </summary>
    internal bool Send(Span<byte> buffer, int length, int probeCluster = -1, bool paced = false)
    {
        var now = 0L;
        if (_pacer is { } pacer && (pacer.Rate > 0 || pacer.QueuedPackets > 0))
        {
            now = Microseconds.Now(_time);
            if (!paced)
            {
                pacer.Charge(now, length);
            }
            else if (!pacer.TryTake(now, length))
            {
                if (!pacer.Enqueue(buffer[..length]))
                {
                    return false;
                }

                _transport.SchedulePacing(this);
                return true;
            }
        }

        return SendNow(buffer, length, probeCluster, now);
    }

    /// <summary>The receive loop's call while packets wait: sends those due by now.</summary>
    bool IPacedSender.Pace()
    {
        var pacer = _pacer!;
        var now = Microseconds.Now(_time);
        var scratch = SfuSession.Scratch;
        int length;
        while ((length = pacer.Dequeue(now, scratch)) > 0)
        {
            SendNow(scratch, length, -1, now);
        }

        return pacer.QueuedPackets > 0;
    }

    bool IPacedSender.PacingScheduled { get; set; }

    // Stamps, protects, sends and records one packet; now is 0 when not read yet.
    private bool SendNow(Span<byte> buffer, int length, int probeCluster, long now)
    {
        var stamped = false;
        if (_transportCcId != 0 && RtpHeaderRewriter.SetTwoByteValue(buffer, length, _transportCcId, _nextSequence) is > 0 and var withSequence)
        {
            length = withSequence;
            stamped = true;
        }

        if (!_transport.SendRtp(buffer, length))
        {
            // Not on the wire: its sequence number goes to the next packet, so the numbers the subscriber sees stay gapless.
            return false;
        }

        // While a probe is under way, media is part of it (as in a browser's pacer): the probe measures what the
        // path carries of everything sent, and its own packets only fill up to its rate.
        var media = probeCluster < 0 && _probeCluster >= 0;
        if (!stamped && !media)
        {
            return true;
        }

        if (now == 0)
        {
            now = Microseconds.Now(_time);
        }

        if (stamped)
        {
            _estimator?.OnPacketSent(_nextSequence, length + WireOverhead, now, media ? _probeCluster : probeCluster);
            _nextSequence++;
        }

        if (media)
        {
            _probeBytes += length;
            PumpProbe(now);
        }

        return true;
    }

    internal void OnTransportFeedback(in TransportCcFeedback feedback) => _estimator?.OnTransportFeedback(feedback, Microseconds.Now(_time));

    internal void OnRemb(ulong bitrate) => _estimator?.OnRemb(bitrate, Microseconds.Now(_time));

    internal void OnReceiverReportLoss(byte fractionLost) => _estimator?.OnReceiverReportLoss(fractionLost, Microseconds.Now(_time));

    /// <summary>
    /// The heartbeat: shares the estimate among <paramref name="subscriptions"/>, starts a probe when a better layer
    /// is wanted and does not fit, and sends probe packets that fell due while no media went out.
    /// </summary>
    internal void Allocate(ImmutableArray<Subscription> subscriptions)
    {
        if (_probeCluster >= 0)
        {
            PumpProbe(Microseconds.Now(_time));
        }

        if (!Allocating)
        {
            foreach (var subscription in subscriptions)
            {
                subscription.Allocate(Unallocated);
            }

            Volatile.Write(ref _pausedTracks, 0);
            if (_pacer is { } unpaced)
            {
                // A node-to-node relay goes at the rate its source sends.
                unpaced.Rate = 0;
            }

            return;
        }

        if (Volatile.Read(ref _estimator) is not { } estimator || !estimator.HasFeedback)
        {
            // No estimate yet (or a subscriber that negotiated feedback and never sends it): nothing to share out,
            // every track forwards its preferred layer, as without congestion control.
            return;
        }

        var now = Microseconds.Now(_time);
        _pacer!.Rate = (long)(estimator.TargetBitrate * Pacer.PacingFactor);
        EvaluateProbe(estimator, now);
        var probeSource = ProbeSource(subscriptions);
        var canProbe = probeSource is not null;
        var desired = Desired(subscriptions);
        if (desired == 0)
        {
            // Nothing flows yet (rates are measured once a second), or everything is muted.
            return;
        }

        if (!_initialProbeDone && canProbe && estimator.TargetBitrate < desired)
        {
            // As browsers do on connecting: probe well above the initial guess before trusting it to choose layers
            // (a guess below what the tracks send would pause video that the path carries).
            MaybeProbe(estimator, probeSource!, Math.Max(estimator.TargetBitrate, estimator.AcknowledgedBitrate), desired, InitialProbe, now);
            return;
        }

        _initialProbeDone = true;
        // Pass 1 spends the whole estimate (less audio) on keeping video going; upgrades keep some headroom.
        var estimate = estimator.TargetBitrate;
        var budget = estimate;
        foreach (var subscription in subscriptions)
        {
            if (subscription.Kind == MediaKind.Audio && subscription.Source is { } audio && subscription.Enabled)
            {
                budget -= audio.Encodings[0].PeakBitrate;
            }
        }

        // Pass 1: every video track its lowest flowing layer, in section order, while the budget lasts. A track
        // that already flows is paused only once the estimate has fallen short for a while (an estimate dips, on a
        // probe's queue or a burst of loss, more often than a path really narrows), and only while the path is
        // losing packets (or the receiver caps it with REMB): a delay-based cut alone may be a busy receiver.
        Span<int> chosen = stackalloc int[subscriptions.Length];
        Span<int> layers = stackalloc int[subscriptions.Length];
        long paused = 0;
        long wanted = 0;
        var shortfall = false;
        var fits = false;
        var lossLimited = estimator.LossLimited(now, PauseLossWindowMicros);
        for (var i = 0; i < subscriptions.Length; i++)
        {
            chosen[i] = Unallocated;
            layers[i] = int.MaxValue;
            var subscription = subscriptions[i];
            if (subscription.Kind != MediaKind.Video || subscription.Source is not { } track || !subscription.Enabled)
            {
                continue;
            }

            var lowest = Lowest(track);
            if (lowest < 0)
            {
                // Nothing flows yet (rates are measured once a second): keep the track's preferred layer.
                continue;
            }

            // A flowing track's floor is the lowest encoding's base layer (with VP8 L1T3 a third to a half of its rate
            // at a quarter of its frame rate; all of it where the encoding has one layer). A paused track resumes only
            // when the lowest encoding's lowest spatial layer fits whole: an estimate made while only audio and probes
            // flowed can read high (a policer's burst allowance carries a short probe whole), so resuming asks for a margin.
            var floor = subscription.PausedForBandwidth ? track.Encodings[lowest].TemporalLayerCount - 1 : 0;
            var cost = Cost(subscription, track.Encodings[lowest], floor);
            var spared = cost > budget && !subscription.PausedForBandwidth && (_shortTicks < PauseAfterTicks || !lossLimited);
            shortfall |= cost > budget && !subscription.PausedForBandwidth;

            // A paused track resumes once the estimate has carried it for a second too: a probe through an idle
            // link can read high, and the feedback that follows says so within that time.
            var waiting = cost <= budget && subscription.PausedForBandwidth && _fitTicks < ResumeAfterTicks;
            fits |= cost <= budget && subscription.PausedForBandwidth;
            if ((cost <= budget && !waiting) || spared || !canProbe)
            {
                // (Without a way to probe, a paused track could never find out that it fits again: it keeps its lowest layer.)
                chosen[i] = lowest;
                layers[i] = floor;
                budget -= cost;
            }
            else
            {
                chosen[i] = Paused;
                paused++;
                if (wanted == 0)
                {
                    // What a probe must show the path carries for the first paused track to resume (nothing while
                    // one that fits waits out its second).
                    wanted = Math.Max(0, cost - Math.Max(budget, 0));
                }
            }
        }

        _shortTicks = shortfall ? _shortTicks + 1 : 0;
        _fitTicks = fits ? _fitTicks + 1 : 0;
        budget -= (long)(estimate * (1 - Headroom));

        // A track the allocation took down in the last 10 s goes up again (a layer above the one forwarded now) no
        // further than the path has shown it carries: what it delivered lately, or what a recent probe measured. The
        // estimate alone is not enough there: after the cut it climbs again as soon as the queue drains, up to half
        // again what was acknowledged, and an upgrade on that climb overflows the link that just proved full, to be
        // undone a second later (a participant of a four-person room behind 550 kbit/s went from q to one publisher's
        // f and back within five seconds, one run in four). Other tracks upgrade on the estimate. (A subscriber that
        // sends REMB only acknowledges nothing: its REMB is what it shows.)
        var shown = estimator.FeedbacksReceived == 0 ? estimate
            : Math.Max(estimator.AcknowledgedBitrate, now - estimator.LastProbeAtMicros < ProbeVouchesMicros ? estimator.LastProbeBitrate : 0);
        var unproven = Math.Max(0, estimate - shown);
        var gated = false;

        // Pass 2: upgrades, first track first, each to the best layer the remaining budget carries.
        for (var i = 0; i < subscriptions.Length; i++)
        {
            if (chosen[i] < 0)
            {
                continue;
            }

            var subscription = subscriptions[i];
            var track = subscription.Source!;
            var current = track.Encodings[chosen[i]];
            var layer = layers[i];
            var refund = Cost(subscription, current, layer);
            while (Above(track, current, layer) is ({ } candidate, var candidateLayer))
            {
                var cost = Cost(subscription, candidate, candidateLayer);
                var proof = Held(subscription, candidate, candidateLayer) || now - subscription.DowngradedAt >= DowngradeMemoryMicros ? 0 : unproven;
                if (cost - refund > budget - proof)
                {
                    gated |= proof > 0 && cost - refund <= budget;
                    // The first upgrade that does not fit: what a probe must show the path carries.
                    if (wanted == 0)
                    {
                        wanted = cost - refund;
                    }

                    break;
                }

                budget -= cost - refund;
                refund = cost;
                (current, layer) = (candidate, candidateLayer);
                chosen[i] = candidate.Index;
                layers[i] = layer;
            }
        }

        for (var i = 0; i < subscriptions.Length; i++)
        {
            if (subscriptions[i].Kind == MediaKind.Video)
            {
                var encodings = subscriptions[i].Source?.Encodings;
                var (spatial, temporal) = chosen[i] >= 0 && encodings is { } e && chosen[i] < e.Length && layers[i] < e[chosen[i]].LayerCount - 1
                    ? e[chosen[i]].Layer(layers[i])
                    : (Subscription.AllSpatial, Subscription.AllTemporal);
                if (chosen[i] == Paused ? !subscriptions[i].PausedForBandwidth
                    : chosen[i] >= 0 && encodings is { } all && chosen[i] < all.Length && Below(subscriptions[i], all[chosen[i]], layers[i]))
                {
                    subscriptions[i].DowngradedAt = now;
                }

                subscriptions[i].Allocate(chosen[i], temporal, spatial);
            }
        }

        Volatile.Write(ref _pausedTracks, paused);
        if (wanted > 0 && probeSource is not null)
        {
            // Above what upgrades may spend: the estimate, or what the path has shown where a track waits for proof.
            MaybeProbe(estimator, probeSource, Math.Max(gated ? estimate - unproven : estimate, estimator.AcknowledgedBitrate), desired, _probeFactor, now, wanted);
        }
    }

    /// <summary>
    /// A layer's cost (an encoding up to one of its steps, <see cref="TrackEncoding.LayerCount"/>): its rate, with the upgrade margin unless it is what the
    /// subscription forwards now or below.
    /// </summary>
    private static long Cost(Subscription subscription, TrackEncoding encoding, int layer)
    {
        var rate = encoding.LayerPeakBitrate(layer);
        return Held(subscription, encoding, layer) ? rate : (long)(rate * UpgradeMargin);
    }

    /// <summary>True when an encoding's step is below what the subscription forwards now: a downgrade.</summary>
    private static bool Below(Subscription subscription, TrackEncoding encoding, int layer) => Versus(subscription, encoding, layer) < 0;

    /// <summary>True when an encoding's step is at or below what the subscription forwards now: no upgrade.</summary>
    private static bool Held(Subscription subscription, TrackEncoding encoding, int layer) => Versus(subscription, encoding, layer) <= 0;

    /// <summary>
    /// An encoding's step against what the subscription forwards now: below (&lt; 0), the same (0), or above (&gt; 0,
    /// also whenever nothing of that track is forwarded, or the track is paused).
    /// </summary>
    private static int Versus(Subscription subscription, TrackEncoding encoding, int layer)
    {
        if (subscription.PausedForBandwidth || subscription.ForwardedEncoding is not { } forwarded || forwarded.Track != encoding.Track)
        {
            return 1;
        }

        var order = encoding.CompareLayer(forwarded);
        return order != 0 ? order : layer.CompareTo(subscription.ForwardedLayer);
    }

    /// <summary>What the subscriptions would take with every video track on its best flowing layer, in bit/s.</summary>
    private static long Desired(ImmutableArray<Subscription> subscriptions)
    {
        long desired = 0;
        foreach (var subscription in subscriptions)
        {
            if (subscription.Source is not { } track || !subscription.Enabled)
            {
                continue;
            }

            desired += Extreme(track, highest: true)?.PeakBitrate ?? 0;
        }

        return desired;
    }

    /// <summary>The track's lowest flowing layer (by picture size where known, else bitrate), or -1 when none flows.</summary>
    private static int Lowest(PublishedTrack track) => Extreme(track, highest: false)?.Index ?? -1;

    /// <summary>The track's lowest or highest flowing layer (<see cref="TrackEncoding.CompareLayer"/>), null when none flows.</summary>
    private static TrackEncoding? Extreme(PublishedTrack track, bool highest)
    {
        TrackEncoding? extreme = null;
        foreach (var encoding in track.Encodings)
        {
            if (encoding.Bitrate > 0 && (extreme is null || encoding.CompareLayer(extreme) * (highest ? 1 : -1) > 0))
            {
                extreme = encoding;
            }
        }

        return extreme;
    }

    /// <summary>
    /// The next step above <paramref name="current"/> up to <paramref name="layer"/>: its next temporal layer below its
    /// lowest spatial layer's full frame rate, else its next spatial layer whole, else the next flowing encoding whole;
    /// null at the top. A bigger picture comes at its full frame rate or not at all (a viewer takes 320x180 at 30
    /// frames per second over 640x360 at 7.5).
    /// </summary>
    private static (TrackEncoding? Encoding, int Layer) Above(PublishedTrack track, TrackEncoding current, int layer)
    {
        var temporalLayers = current.TemporalLayerCount;
        var next = layer < temporalLayers - 1 ? layer + 1 : ((layer / temporalLayers) + 2) * temporalLayers - 1;
        return next < current.LayerCount ? (current, next)
            : Above(track, current) is { } encoding ? (encoding, encoding.LayerCount - 1)
            : (null, 0);
    }

    /// <summary>The next flowing encoding above <paramref name="current"/>, or null at the top.</summary>
    private static TrackEncoding? Above(PublishedTrack track, TrackEncoding current)
    {
        TrackEncoding? next = null;
        foreach (var encoding in track.Encodings)
        {
            if (encoding.Bitrate > 0 && encoding.CompareLayer(current) > 0 && (next is null || encoding.CompareLayer(next) < 0))
            {
                next = encoding;
            }
        }

        return next;
    }

    /// <summary>
    /// Once a probe's feedback is in: a probe the path carried whole (the estimate reached most of its rate) is
    /// followed soon, as boldly; one it did not says the link is about full at the estimate, where a bold probe
    /// overflows a queue and costs the subscriber packets, so the next probes go just above the estimate.
    /// </summary>
    private void EvaluateProbe(BandwidthEstimator estimator, long now)
    {
        if (_probeCluster >= 0 || !_probeOutcomePending || now - _probeStartedAt < ProbeOutcomeMicros)
        {
            return;
        }

        _probeOutcomePending = false;
        _initialProbeDone = true;
        // Judged by what the probe itself measured where it measured anything: an estimate that was high already
        // says nothing of the probe.
        var shown = estimator.LastProbeAtMicros >= _probeStartedAt ? estimator.LastProbeBitrate : estimator.TargetBitrate;
        if (shown >= _probeBitrate * 9 / 10)
        {
            _probeFactor = BoldProbe;
            _nextProbeAt = Math.Min(_nextProbeAt, now + ProbeAfterSuccessMicros);
        }
        else
        {
            _probeFactor = GentleProbe;
        }
    }

    /// <summary>
    /// Starts a probe copying <paramref name="source"/>'s packets at <paramref name="factor"/> times the estimate (no
    /// higher than the <paramref name="wanted"/> increase needs, when one is given, nor than half again the
    /// <paramref name="desired"/> rate of every track's best layer) unless one is under way or the last was too recent.
    /// </summary>
    private void MaybeProbe(BandwidthEstimator estimator, Subscription source, long target, long desired, double factor, long now, long wanted = 0)
    {
        if (_probeCluster >= 0 || _probeOutcomePending || now < _nextProbeAt)
        {
            return;
        }

        // No higher than the factor allows, than what the wanted upgrade needs, or than half again what every
        // track's best layer together would take: more would only prove what the subscriber can never use.
        var ceiling = desired * 3 / 2;
        if (ceiling <= target)
        {
            return;
        }

        _probeBitrate = Math.Min((long)(target * factor), ceiling);
        if (wanted > 0)
        {
            _probeBitrate = Math.Min(_probeBitrate, Math.Max((long)(target * GentleProbe), (long)((target + wanted) * 1.2)));
        }

        _probeCluster = estimator.StartProbe(_probeBitrate, now);
        _probeOutcomePending = true;
        _probeStartedAt = now;
        _probeBytes = 0;
        _probeBack = 0;
        _probeSource = source;
        _nextProbeAt = now + (Volatile.Read(ref _pausedTracks) > 0 ? PausedProbeRetryMicros : ProbeRetryMicros);
    }

    /// <summary>Whose packets a probe copies: the first video track with an RTX stream (padding when none is recent).</summary>
    private static Subscription? ProbeSource(ImmutableArray<Subscription> subscriptions)
    {
        foreach (var subscription in subscriptions)
        {
            if (subscription.CanProbe)
            {
                return subscription;
            }
        }

        return null;
    }

    /// <summary>Sends the probe's packets that are due by now at its rate; ends it after its duration.</summary>
    private void PumpProbe(long now)
    {
        var elapsed = now - _probeStartedAt;
        if (elapsed > BandwidthEstimator.ProbeDurationMicros || _probeSource is not { } source)
        {
            _probeCluster = -1;
            _probeSource = null;
            return;
        }

        var due = _probeBitrate * Math.Max(elapsed, 10_000) / 8 / 1_000_000;
        while (_probeBytes < due)
        {
            var sent = source.SendProbe(_probeBack++, _probeCluster);
            if (sent <= 0)
            {
                _probeCluster = -1;
                _probeSource = null;
                return;
            }

            _probeBytes += sent;
        }
    }
}
