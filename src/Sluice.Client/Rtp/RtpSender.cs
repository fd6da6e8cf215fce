using System.Numerics;
using Sluice.Rtc.Rtcp;
using Sluice.Rtc.Rtp;

namespace Sluice.Client.Rtp;

/// <summary>
/// Sends one track's RTP (RFC 3550 §5.1): sequence numbers, a history of the last packets for retransmission on
/// Generic NACK (RFC 4585 §6.2.1) — as RTX (RFC 4588 §4) when negotiated, else the packet as it was — and sender
/// reports (RFC 3550 §6.4.1). History slots are preallocated: sending allocates nothing.
/// Thread-safe: the pacing loop sends while the socket's receive thread answers NACKs.
/// </summary>
internal sealed class RtpSender
{
    /// <summary>An MTU-sized packet plus room for the SRTP tag.</summary>
    private const int BufferSize = 1500 + 64;

    private readonly RtpSenderOptions _options;
    private readonly RtpOutput _output;
    private readonly Lock _lock = new();
    private readonly RetransmissionCache _history;
    private readonly byte[] _sendBuffer = new byte[BufferSize];
    private ushort _nextSequenceNumber;
    private ushort _nextRtxSequenceNumber;
    private bool _anySent;

    public RtpSender(RtpSenderOptions options, RtpOutput output)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!BitOperations.IsPow2(options.HistorySize))
        {
            throw new ArgumentException("The history size must be a power of two.", nameof(options));
        }

        _options = options;
        _output = output;
        _history = new RetransmissionCache(options.HistorySize);
        _nextSequenceNumber = options.InitialSequenceNumber;
        _nextRtxSequenceNumber = options.InitialRtxSequenceNumber;
    }

    public RtpSenderOptions Options => _options;

    public uint Ssrc => _options.Ssrc;

    /// <summary>Media packets sent (retransmissions excluded), as the SR packet count.</summary>
    public long PacketsSent { get; private set; }

    /// <summary>Media payload octets sent (headers and retransmissions excluded), as the SR octet count.</summary>
    public long PayloadBytesSent { get; private set; }

    /// <summary>Bytes of whole packets sent, retransmissions included.</summary>
    public long BytesSent { get; private set; }

    /// <summary>Sequence numbers asked for by NACKs.</summary>
    public long NackedPackets { get; private set; }

    /// <summary>NACKed packets found in the history and sent again.</summary>
    public long Retransmitted { get; private set; }

    public uint LastTimestamp { get; private set; }

    /// <summary>Sends one packet with the next sequence number; keeps it for retransmission.</summary>
    public void Send(ReadOnlySpan<byte> payload, uint timestamp, bool marker)
    {
        lock (_lock)
        {
            var sequenceNumber = _nextSequenceNumber++;
            var writer = new RtpPacketWriter(_sendBuffer)
            {
                PayloadType = _options.PayloadType,
                SequenceNumber = sequenceNumber,
                Timestamp = timestamp,
                Ssrc = _options.Ssrc,
                Marker = marker,
            };
            var length = writer.Write(payload);
            _history.Store(sequenceNumber, _sendBuffer.AsSpan(0, length));
            if (_output(_sendBuffer, length))
            {
                PacketsSent++;
                PayloadBytesSent += payload.Length;
                BytesSent += length;
            }

            LastTimestamp = timestamp;
            _anySent = true;
        }
    }

    /// <summary>Sends every packet of one frame, the marker bit on the last (RFC 3551 §4.1 for video).</summary>
    public void SendFrame(IReadOnlyList<byte[]> payloads, uint timestamp, bool markLast)
    {
        for (var i = 0; i < payloads.Count; i++)
        {
            Send(payloads[i], timestamp, markLast && i == payloads.Count - 1);
        }
    }

    /// <summary>Retransmits one packet from the history; false when it is no longer (or never was) there.</summary>
    public bool Retransmit(ushort sequenceNumber)
    {
        lock (_lock)
        {
            NackedPackets++;
            if (!_history.TryGet(sequenceNumber, out var stored) || !RtpPacket.TryParse(stored, out var packet))
            {
                return false;
            }

            int length;
            if (_options.UsesRtx)
            {
                length = Rtx.Wrap(packet.Packet, _sendBuffer, _options.RtxPayloadType!.Value, _options.RtxSsrc!.Value, _nextRtxSequenceNumber++);
            }
            else
            {
                length = packet.Packet.Length;
                packet.Packet.CopyTo(_sendBuffer);
            }

            if (length == 0 || !_output(_sendBuffer, length))
            {
                return false;
            }

            Retransmitted++;
            BytesSent += length;
            return true;
        }
    }

    /// <summary>Answers a Generic NACK for this sender's SSRC: retransmits every listed packet still in the history.</summary>
    public int HandleNack(GenericNack nack)
    {
        var sent = 0;
        foreach (var sequenceNumber in nack.GetLostSequenceNumbers())
        {
            if (Retransmit(sequenceNumber))
            {
                sent++;
            }
        }

        return sent;
    }

    /// <summary>
    /// Writes SR + SDES CNAME (RFC 3550 §6.4.1, §6.5.1) for the sender clock at <paramref name="ntpTimestamp"/>,
    /// whose RTP time is <paramref name="rtpTimestamp"/>; 0 before the first packet (an SR needs something to describe).
    /// </summary>
    public int WriteSenderReport(Span<byte> destination, ulong ntpTimestamp, uint rtpTimestamp, string cname)
    {
        lock (_lock)
        {
            if (!_anySent)
            {
                return 0;
            }

            var writer = new RtcpWriter(destination);
            writer.WriteSenderReport(_options.Ssrc, ntpTimestamp, rtpTimestamp, (uint)PacketsSent, (uint)PayloadBytesSent);
            writer.WriteSdesCname(_options.Ssrc, cname.AsSpan());
            return writer.Length;
        }
    }
}
