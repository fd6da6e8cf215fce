using Sluice.Rtc.Ice;
using Sluice.Rtc.Rtcp;
using Sluice.Rtc.Transport;
using Sluice.Sfu.Forwarding;
using Sluice.Sfu.Negotiation;

namespace Sluice.Sfu.Sessions;

/// <summary>A subscriber: attached to the stream's slots while connected; its RTCP asks for repairs and keyframes.</summary>
public sealed class SubscriberSession : SfuSession
{
    private readonly SubscriberTrack[] _tracks;

    public SubscriberSession(MediaStream stream, WebRtcTransport transport, IceParameters remoteIce, IReadOnlyList<NegotiatedTrack> tracks, TimeProvider time)
        : base(stream, transport, remoteIce, tracks, time)
    {
        _tracks = [.. tracks.Select(t => new SubscriberTrack(transport, stream.Slot(t.Kind), t, time))];
        foreach (var track in _tracks)
        {
            track.FirstPacketSent = OnMediaStarted;
        }

        transport.RtcpReceived = OnRtcp;
    }

    public override SessionRole Role => SessionRole.Subscriber;

    public IReadOnlyList<SubscriberTrack> SubscriberTracks => _tracks;

    internal override void Activate()
    {
        foreach (var track in _tracks)
        {
            track.Slot.Attach(track);
        }
    }

    internal override void Deactivate()
    {
        foreach (var track in _tracks)
        {
            track.Slot.Detach(track);
        }
    }

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
                        foreach (var block in report.GetReportBlocks())
                        {
                            Find(block.Ssrc)?.OnReceptionReport(block);
                        }
                    }

                    break;
                case RtcpPacketType.TransportFeedback when packet.CountOrFormat == (byte)TransportFeedbackFormat.GenericNack:
                    if (GenericNack.TryParse(packet, out var nack) && Find(nack.MediaSsrc) is { } nacked)
                    {
                        nacked.OnNack(nack, Scratch);
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

    private SubscriberTrack? Find(uint ssrc)
    {
        foreach (var track in _tracks)
        {
            if (track.Ssrc == ssrc)
            {
                return track;
            }
        }

        return null;
    }
}
