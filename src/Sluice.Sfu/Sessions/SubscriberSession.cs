using System.Collections.Immutable;
using Sluice.Rtc.Congestion;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Rtcp;
using Sluice.Rtc.Transport;
using Sluice.Sfu.Forwarding;
using Sluice.Sfu.Negotiation;

namespace Sluice.Sfu.Sessions;

/// <summary>A subscribing session: each of its sending m-sections is a <see cref="Subscription"/>; its RTCP asks for repairs and keyframes.</summary>
public sealed class SubscriberSession : SfuSession
{
    private readonly TimeProvider _time;
    private ImmutableArray<Subscription> _subscriptions;

    internal SubscriberSession(Room room, WebRtcTransport transport, IceParameters remoteIce, IReadOnlyList<NegotiatedTrack> tracks, TimeProvider time,
        BandwidthEstimatorOptions? congestion)
        : base(room, transport, remoteIce, tracks, time)
    {
        _time = time;
        Downlink = new Downlink(transport, tracks, time, congestion);
        _subscriptions = [.. tracks.SelectMany(Sending).Select(NewSubscription)];
        // Added to what is there: on a duplex transport the publisher half reads the peer's sender reports.
        transport.RtcpReceived += OnRtcp;
    }

    public override SessionRole Role => SessionRole.Subscriber;

    /// <summary>The session's way out: transport-wide sequence numbers, the bandwidth estimate and its allocation.</summary>
    public Downlink Downlink { get; }

    /// <summary>The node's offer waiting for this subscriber's answer, if any (one at a time).</summary>
    internal PendingOffer? Pending { get; set; }

    /// <summary>
    /// The sections of a duplex session that have carried a track (<see cref="SfuNode.JoinDuplex"/>): each carries
    /// that one track while it is published and none after, so the peer never sees a section change tracks.
    /// </summary>
    internal HashSet<string> BoundMids { get; } = new(StringComparer.Ordinal);

    /// <summary>This session's sending sections, in m-line order; replaced whole on renegotiation.</summary>
    public ImmutableArray<Subscription> Subscriptions => _subscriptions;

    public override SessionCounters ReadCounters()
    {
        long packets = 0, bytes = 0, lost = 0, nacks = 0, keyframes = 0, retransmissions = 0;
        foreach (var subscription in _subscriptions)
        {
            packets += subscription.PacketsSent;
            bytes += subscription.BytesSent;
            lost += subscription.PacketsLostReported;
            nacks += subscription.NacksReceived;
            keyframes += subscription.KeyframeRequestsReceived;
            retransmissions += subscription.Retransmissions;
        }

        return new SessionCounters(packets, bytes, lost, nacks, keyframes, retransmissions);
    }

    /// <summary>
    /// A renegotiation (node- or peer-initiated): sections that stay keep their subscription (SSRC, sequence
    /// space); new ones get new subscriptions. Returns those that went away, already unbound. Under the node's lock.
    /// </summary>
    internal ImmutableArray<Subscription> Renegotiate(IReadOnlyList<NegotiatedTrack> tracks)
    {
        var kept = new List<Subscription>();
        foreach (var negotiated in tracks.SelectMany(Sending))
        {
            var existing = _subscriptions.FirstOrDefault(s => s.Mid == negotiated.Mid && s.Kind == negotiated.Kind && s.Ssrc == negotiated.Ssrc);
            kept.Add(existing ?? NewSubscription(negotiated));
        }

        var gone = _subscriptions.Where(s => !kept.Contains(s)).ToImmutableArray();
        foreach (var subscription in gone)
        {
            subscription.Bind(null);
        }

        Tracks = tracks;
        Downlink.Renegotiated(tracks);
        _subscriptions = [.. kept];
        return gone;
    }

    internal override void Detach()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Bind(null);
        }
    }

    private Subscription NewSubscription(NegotiatedTrack track)
    {
        var subscription = new Subscription(Transport, Downlink, track, _time) { FirstPacketSent = OnMediaStarted };
        if (track.SendsEncoding is { } encoding)
        {
            subscription.Pin(encoding);
        }

        return subscription;
    }

    /// <summary>
    /// What one section sends: itself, or for a relay's section that carries every encoding (<see cref="NegotiatedTrack.Encodings"/>
    /// with our SSRCs), one view of it per encoding, each a subscription pinned to that encoding on its own SSRCs.
    /// </summary>
    private static IEnumerable<NegotiatedTrack> Sending(NegotiatedTrack track) =>
        track.Encodings.Count < 2 ? [track]
        : track.Encodings.Select((encoding, index) => new NegotiatedTrack
        {
            Kind = track.Kind, Mid = track.Mid, Codecs = track.Codecs, Extensions = track.Extensions, Msid = track.Msid,
            Ssrc = encoding.Ssrc, RtxSsrc = encoding.RtxSsrc, SendsEncoding = index,
        });

    /// <summary>The node's heartbeat (receive thread): the estimate shared out among the subscriptions, probes paced.</summary>
    internal void OnHeartbeat() => Downlink.Allocate(_subscriptions);

    private void OnRtcp(WebRtcTransport transport, Span<byte> datagram)
    {
        var reader = new RtcpCompoundReader(datagram);
        while (reader.TryReadNext(out var packet))
        {
            switch (packet.Type)
            {
                case RtcpPacketType.ReceiverReport:
                    if (ReceiverReport.TryParse(packet, out var report))
                    {
                        byte worstLoss = 0;
                        foreach (var block in report.GetReportBlocks())
                        {
                            if (Find(block.Ssrc) is { } reported)
                            {
                                reported.OnReceptionReport(block);
                                worstLoss = Math.Max(worstLoss, block.FractionLost);
                            }
                        }

                        Downlink.OnReceiverReportLoss(worstLoss);
                    }

                    break;
                case RtcpPacketType.TransportFeedback when packet.CountOrFormat == (byte)TransportFeedbackFormat.GenericNack:
                    if (GenericNack.TryParse(packet, out var nack) && Find(nack.MediaSsrc) is { } nacked)
                    {
                        nacked.OnNack(nack, Scratch);
                    }

                    break;
                case RtcpPacketType.TransportFeedback when packet.CountOrFormat == (byte)TransportFeedbackFormat.TransportWideCc:
                    if (TransportCcFeedback.TryParse(packet, out var feedback))
                    {
                        Downlink.OnTransportFeedback(feedback);
                    }

                    break;
                case RtcpPacketType.PayloadSpecificFeedback when packet.CountOrFormat == (byte)PayloadFeedbackFormat.ApplicationLayer:
                    if (Remb.TryParse(packet, out var remb))
                    {
                        Downlink.OnRemb(remb.Bitrate);
                    }

                    break;
                case RtcpPacketType.PayloadSpecificFeedback when packet.CountOrFormat == (byte)PayloadFeedbackFormat.PictureLossIndication:
                    if (PictureLossIndication.TryParse(packet, out var pli))
                    {
                        Find(pli.MediaSsrc)?.OnKeyframeRequest();
                    }

                    break;
                case RtcpPacketType.PayloadSpecificFeedback when packet.CountOrFormat == (byte)PayloadFeedbackFormat.FullIntraRequest:
                    if (FullIntraRequest.TryParse(packet, out var fir) && fir.EntryCount > 0)
                    {
                        Find(fir.GetEntry(0).Ssrc)?.OnKeyframeRequest();
                    }

                    break;
            }
        }
    }

    private Subscription? Find(uint ssrc)
    {
        foreach (var subscription in _subscriptions)
        {
            if (subscription.Ssrc == ssrc)
            {
                return subscription;
            }
        }

        return null;
    }
}

/// <summary>A node-initiated offer in flight, and the track each new section was offered for.</summary>
internal sealed record PendingOffer(Rtc.Sdp.SessionDescription Offer, IReadOnlyDictionary<string, TrackId> Added);
