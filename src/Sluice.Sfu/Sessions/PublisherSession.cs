using Sluice.Rtc.Ice;
using Sluice.Rtc.Rtcp;
using Sluice.Rtc.Rtp;
using Sluice.Rtc.Transport;
using Sluice.Sfu.Forwarding;
using Sluice.Sfu.Negotiation;

namespace Sluice.Sfu.Sessions;

/// <summary>A publisher: its tracks feed the stream's audio and video slots while it is connected.</summary>
public sealed class PublisherSession : SfuSession
{
    private readonly PublisherTrack[] _tracks;

    public PublisherSession(MediaStream stream, WebRtcTransport transport, IceParameters remoteIce, IReadOnlyList<NegotiatedTrack> tracks, TimeProvider time, ulong maxBitrate)
        : base(stream, transport, remoteIce, tracks, time)
    {
        _tracks = [.. tracks.Select(t => new PublisherTrack(transport, stream.Slot(t.Kind), t, time, maxBitrate))];
        transport.RtpReceived = OnRtp;
        transport.RtcpReceived = OnRtcp;
    }

    public override SessionRole Role => SessionRole.Publisher;

    public IReadOnlyList<PublisherTrack> PublisherTracks => _tracks;

    internal override void Activate()
    {
        foreach (var track in _tracks)
        {
            Stream.Slot(track.Kind).SetSource(track);
        }
    }

    internal override void Deactivate()
    {
        foreach (var track in _tracks)
        {
            Stream.Slot(track.Kind).ClearSource(track);
        }
    }

    internal void SendReports()
    {
        foreach (var track in _tracks)
        {
            track.SendReceiverReport();
        }
    }

    private void OnRtp(WebRtcTransport transport, Span<byte> packet)
    {
        if (!HasMediaStarted)
        {
            OnMediaStarted();
        }

        // Payload types are unique across a BUNDLE group: they tell the track (RFC 8843 §9.2).
        var payloadType = packet[1] & 0x7F;
        foreach (var track in _tracks)
        {
            if (track.Carries(payloadType))
            {
                track.OnRtp(packet, Scratch);
                return;
            }
        }
    }

    private void OnRtcp(WebRtcTransport transport, Span<byte> datagram)
    {
        var reader = new RtcpCompoundReader(datagram);
        while (reader.TryReadNext(out var packet))
        {
            if (packet.Type != RtcpPacketType.SenderReport || !SenderReport.TryParse(packet, out var report))
            {
                continue;
            }

            foreach (var track in _tracks)
            {
                if (track.Ssrc == report.SenderSsrc)
                {
                    track.OnSenderReport(report.NtpTimestamp, report.RtpTimestamp);
                }
            }
        }
    }
}
