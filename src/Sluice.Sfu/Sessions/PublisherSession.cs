using System.Buffers.Binary;
using System.Collections.Immutable;
using Sluice.Rtc;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Rtcp;
using Sluice.Rtc.Rtp;
using Sluice.Rtc.Transport;
using Sluice.Sfu.Forwarding;
using Sluice.Sfu.Negotiation;

namespace Sluice.Sfu.Sessions;

/// <summary>A publishing session: each of its receiving m-sections is a <see cref="PublishedTrack"/>; packets find theirs through an <see cref="RtpRouter"/>.</summary>
public sealed class PublisherSession : SfuSession
{
    private readonly TimeProvider _time;
    private readonly ulong _maxBitrate;
    private readonly TransportCcRecorder _arrivals = new();
    private ImmutableArray<PublishedTrack> _published;
    private RtpRouter _router;
    private int _transportCcId;

    internal PublisherSession(Room room, WebRtcTransport transport, IceParameters remoteIce, IReadOnlyList<NegotiatedTrack> tracks, TimeProvider time, ulong maxBitrate,
        Participant? participant = null)
        : base(room, transport, remoteIce, tracks, time)
    {
        // Before the tracks: a participant's tracks are named by their msid (TrackId.For).
        Participant = participant;
        _time = time;
        _maxBitrate = maxBitrate;
        _published = [.. tracks.Select(t => new PublishedTrack(this, t, transport, time, maxBitrate))];
        _router = new RtpRouter(_published);
        _transportCcId = NegotiatedTrack.SessionTransportWideCcId(tracks);
        transport.RtpReceived = OnRtp;
        transport.RtcpReceived = OnRtcp;
    }

    public override SessionRole Role => SessionRole.Publisher;

    /// <summary>The tracks this session publishes, in m-line order.</summary>
    public ImmutableArray<PublishedTrack> PublishedTracks => _published;

    /// <summary>How packets find their tracks, and how many did not.</summary>
    public RtpRouter Router => _router;

    public override SessionCounters ReadCounters()
    {
        long packets = 0, bytes = 0, lost = 0, nacks = 0, keyframes = 0;
        foreach (var track in _published)
        {
            packets += track.PacketsReceived;
            bytes += track.BytesReceived;
            lost += track.PacketsLost;
            nacks += track.NacksSent;
            keyframes += track.KeyframeRequests;
        }

        return new SessionCounters(packets, bytes, lost, nacks, keyframes, 0);
    }

    /// <summary>
    /// A renegotiation by the publisher (a track added or stopped): tracks of m-sections that stay keep their
    /// identity and state; new sections get new tracks. Returns the tracks that went away. Under the node's lock.
    /// </summary>
    internal ImmutableArray<PublishedTrack> Renegotiate(IReadOnlyList<NegotiatedTrack> tracks)
    {
        var kept = new List<PublishedTrack>();
        foreach (var negotiated in tracks)
        {
            var existing = _published.FirstOrDefault(t => t.Mid == negotiated.Mid && t.Kind == negotiated.Kind);
            kept.Add(existing ?? new PublishedTrack(this, negotiated, Transport, _time, _maxBitrate));
        }

        var gone = _published.Where(t => !kept.Contains(t)).ToImmutableArray();
        Tracks = tracks;
        _published = [.. kept];

        // The receive thread reads the router through this field: it sees the old one or the new one, whole.
        Volatile.Write(ref _router, new RtpRouter(_published));
        Volatile.Write(ref _transportCcId, NegotiatedTrack.SessionTransportWideCcId(tracks));
        return gone;
    }

    /// <summary>Transport-wide CC feedback packets sent to the publisher, so its own bandwidth estimation works through the node.</summary>
    public long TransportFeedbacksSent => _arrivals.FeedbacksWritten;

    internal void OnHeartbeat(bool sendReports)
    {
        foreach (var track in _published)
        {
            track.OnHeartbeat(sendReports);
        }

        SendTransportFeedback();
    }

    /// <summary>What arrived since the last feedback, on the heartbeat (every 100 ms, as browsers' receivers do at these rates).</summary>
    private void SendTransportFeedback() => _arrivals.SendFeedback(Transport, TrackEncoding.FeedbackSsrc, FirstMediaSsrc());

    private uint FirstMediaSsrc()
    {
        foreach (var track in _published)
        {
            foreach (var encoding in track.Encodings)
            {
                if (encoding.HasSsrc)
                {
                    return encoding.Ssrc;
                }
            }
        }

        return 0;
    }

    internal override void Detach()
    {
        // Sinks hold subscriptions of other sessions: the room unbinds those (under the node's lock).
    }

    private void OnRtp(WebRtcTransport transport, Span<byte> packet)
    {
        if (!HasMediaStarted)
        {
            OnMediaStarted();
        }

        _arrivals.OnRtp(packet, Volatile.Read(ref _transportCcId), Microseconds.Now(_time));

        Volatile.Read(ref _router).Route(packet)?.OnRtp(packet, Scratch);
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

            foreach (var track in _published)
            {
                foreach (var encoding in track.Encodings)
                {
                    if (encoding.HasSsrc && encoding.Ssrc == report.SenderSsrc)
                    {
                        encoding.OnSenderReport(report.NtpTimestamp, report.RtpTimestamp);
                    }
                }
            }
        }
    }
}
