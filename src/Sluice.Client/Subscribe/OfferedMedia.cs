using Sluice.Client.Sdp;
using Sluice.Client.Transport;
using Sluice.Rtc.Rtp;
using Sluice.Rtc.Sdp;

namespace Sluice.Client.Subscribe;

/// <summary>
/// The receiving side of a connection whose media sections the node offers (a weever room's subscriber, LiveKit's
/// subscriber peer connection): answers each offer recvonly on one transport, with every codec the client stack
/// knows, learns from each which SSRCs are whose (the msid stream id of their section: the publisher), and counts per
/// publisher the packets received and lost. It decodes nothing: a probe and a load.
/// </summary>
internal sealed class OfferedMedia
{
    /// <summary>What the answer accepts: every codec the client stack offers (<see cref="CodecSpec.All"/>).</summary>
    private static readonly IReadOnlyList<SdpCodecCapability> Accepted =
        [.. CodecSpec.All.Select(c => new SdpCodecCapability(c.Kind, c.Name, c.ClockRate, c.Channels, c.Fmtp))];

    private readonly ClientTransport _transport;
    private readonly Action<string> _log;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, Incoming> _bySsrc = [];
    private readonly Dictionary<string, PublisherCounts> _publishers = new(StringComparer.Ordinal);

    public OfferedMedia(ClientTransport transport, Action<string> log, TimeProvider time)
    {
        _transport = transport;
        _log = log;
        _time = time;
        transport.RtpReceived = (_, packet) => OnRtp(packet);
    }

    /// <summary>When the first media packet of each publisher arrived, for join-to-media timings.</summary>
    public event Action<string>? FirstPacket;

    /// <summary>
    /// Our answer to the node's offer (recvonly, the DTLS client; its data section accepted when
    /// <paramref name="acceptData"/>), or null when it cannot be answered (logged).
    /// </summary>
    public SessionDescription? Answer(string offerSdp, bool acceptData)
    {
        if (!SessionDescription.TryParse(offerSdp, out var offer, out var error))
        {
            _log("the node's offer does not parse: " + error);
            return null;
        }

        var options = new SdpAnswerOptions
        {
            IceUfrag = _transport.LocalIce.UsernameFragment,
            IcePwd = _transport.LocalIce.Password,
            Fingerprint = _transport.Fingerprint,
            Setup = DtlsSetup.Active,
            Codecs = Accepted,
            Direction = _ => MediaDirection.RecvOnly,
            AcceptDataChannel = acceptData,
        };
        if (!SdpAnswerer.TryCreateAnswer(offer!, options, out var answer, out error))
        {
            _log("cannot answer the node's offer: " + error);
            return null;
        }

        lock (_lock)
        {
            foreach (var section in offer!.Media)
            {
                if (section.Port == 0 || section.Direction != MediaDirection.SendOnly || section.Msid is not { } msid)
                {
                    continue;
                }

                var clockRate = section.Codecs.Count > 0 ? section.Codecs[0].ClockRate : 90000;
                var repairs = section.SsrcGroups.Where(g => g.Semantics == SdpSsrcGroup.Fid && g.Ssrcs.Count == 2).Select(g => g.Ssrcs[1]).ToHashSet();
                foreach (var ssrc in section.Ssrcs.Select(s => s.Ssrc).Distinct())
                {
                    if (!_bySsrc.ContainsKey(ssrc))
                    {
                        _bySsrc[ssrc] = new Incoming(msid.StreamId, section.Kind == "video", repairs.Contains(ssrc) ? null : new ReceiveStatistics(clockRate, _time));
                    }
                }
            }
        }

        return answer;
    }

    /// <summary>Per publisher (msid stream id): packets received (of them video) and lost (from sequence numbers), sorted by id.</summary>
    public IReadOnlyList<(string Publisher, long Packets, long VideoPackets, long Lost)> Counts()
    {
        lock (_lock)
        {
            return [.. _publishers.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value.Packets, p.Value.VideoPackets,
                _bySsrc.Values.Where(i => i.Publisher == p.Key && i.Statistics is not null).Sum(i => Math.Max(0, i.Statistics!.PacketsLost))))];
        }
    }

    private void OnRtp(ReadOnlySpan<byte> packet)
    {
        if (!RtpPacket.TryParse(packet, out var rtp))
        {
            return;
        }

        string? first = null;
        lock (_lock)
        {
            if (!_bySsrc.TryGetValue(rtp.Ssrc, out var incoming))
            {
                return;
            }

            if (!_publishers.TryGetValue(incoming.Publisher, out var counts))
            {
                counts = new PublisherCounts();
                _publishers[incoming.Publisher] = counts;
                first = incoming.Publisher;
            }

            if (incoming.Statistics is { } statistics)
            {
                statistics.OnPacket(rtp.SequenceNumber, rtp.Timestamp, _time.GetTimestamp());
                counts.Packets++;
                if (incoming.IsVideo)
                {
                    counts.VideoPackets++;
                }
            }
        }

        if (first is not null)
        {
            FirstPacket?.Invoke(first);
        }
    }

    private sealed record Incoming(string Publisher, bool IsVideo, ReceiveStatistics? Statistics);

    private sealed class PublisherCounts
    {
        public long Packets { get; set; }

        public long VideoPackets { get; set; }
    }
}
