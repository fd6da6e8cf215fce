namespace Sluice.Rtc.Rtcp;

/// <summary>
/// Iterates the packets of a compound RTCP datagram (RFC 3550 §6.1), validating each one's header and
/// length. Reduced-size RTCP (RFC 5506) is accepted: no rule on the first packet's type is enforced.
/// </summary>
public ref struct RtcpCompoundReader
{
    private readonly ReadOnlySpan<byte> _datagram;
    private int _offset;

    /// <summary>Reads <paramref name="datagram"/> (after SRTCP unprotect).</summary>
    public RtcpCompoundReader(ReadOnlySpan<byte> datagram)
    {
        _datagram = datagram;
        _offset = 0;
        IsMalformed = false;
    }

    /// <summary>Whether reading stopped at a packet that failed validation (packets before it were fine).</summary>
    public bool IsMalformed { readonly get; private set; }

    /// <summary>Reads the next packet; false at the end of the datagram or at a malformed packet.</summary>
    public bool TryReadNext(out RtcpHeaderView packet)
    {
        if (IsMalformed || _offset >= _datagram.Length)
        {
            packet = default;
            return false;
        }

        if (!RtcpHeaderView.TryRead(_datagram.Slice(_offset), out packet, out int length))
        {
            IsMalformed = true;
            return false;
        }

        _offset += length;
        return true;
    }
}
