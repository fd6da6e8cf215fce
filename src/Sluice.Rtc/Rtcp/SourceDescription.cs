using System.Buffers.Binary;
using System.Text;

namespace Sluice.Rtc.Rtcp;

/// <summary>
/// SDES: source description (RFC 3550 §6.5). Reads chunks and their items one by one.
/// </summary>
/// <remarks>
/// <code>
/// |V=2|P|    SC   |  PT=SDES=202  |             length            |
/// |                          SSRC/CSRC_1                          |   chunk 1
/// | type | length | text ...  | type=0 (end) ... padding to 32 bits |
/// |                          SSRC/CSRC_2 ...                      |   chunk 2
/// </code>
/// </remarks>
public ref struct SourceDescription
{
    /// <summary>The longest item text (one length byte).</summary>
    public const int MaxTextLength = 255;

    private readonly ReadOnlySpan<byte> _body;
    private readonly int _chunkCount;
    private int _offset;
    private int _chunksRead;
    private bool _inChunk;
    private uint _ssrc;

    private SourceDescription(ReadOnlySpan<byte> body, int chunkCount)
    {
        _body = body;
        _chunkCount = chunkCount;
    }

    /// <summary>Number of chunks announced by the header (SC).</summary>
    public readonly int ChunkCount => _chunkCount;

    /// <summary>Whether reading stopped at a truncated chunk or item.</summary>
    public bool IsMalformed { readonly get; private set; }

    /// <summary>Starts reading an SDES packet; false if it is not one.</summary>
    public static bool TryParse(RtcpHeaderView packet, out SourceDescription reader)
    {
        if (packet.Packet.IsEmpty || packet.Type != RtcpPacketType.SourceDescription)
        {
            reader = default;
            return false;
        }

        reader = new SourceDescription(packet.Body, packet.CountOrFormat);
        return true;
    }

    /// <summary>Finds the first CNAME item of an SDES packet (RFC 3550 §6.5.1).</summary>
    public static bool TryGetCname(RtcpHeaderView packet, out uint ssrc, out ReadOnlySpan<byte> cname)
    {
        if (TryParse(packet, out SourceDescription reader))
        {
            while (reader.TryReadNext(out SdesItem item))
            {
                if (item.Type == SdesItemType.Cname)
                {
                    ssrc = item.Ssrc;
                    cname = item.Text;
                    return true;
                }
            }
        }

        ssrc = 0;
        cname = default;
        return false;
    }

    /// <summary>Reads the next item of any chunk; false at the end or at malformed data (see <see cref="IsMalformed"/>).</summary>
    public bool TryReadNext(out SdesItem item)
    {
        item = default;
        while (!IsMalformed)
        {
            if (!_inChunk)
            {
                if (_chunksRead == _chunkCount)
                {
                    return false;
                }

                if (_offset + 4 > _body.Length)
                {
                    IsMalformed = true;
                    return false;
                }

                _ssrc = BinaryPrimitives.ReadUInt32BigEndian(_body.Slice(_offset));
                _offset += 4;
                _chunksRead++;
                _inChunk = true;
            }

            if (_offset >= _body.Length)
            {
                IsMalformed = true;
                return false;
            }

            byte type = _body[_offset];
            if (type == (byte)SdesItemType.End)
            {
                // The null item is followed by zeros up to the next 32-bit boundary, where the next chunk starts.
                _offset = Math.Min((_offset + 4) & ~3, _body.Length);
                _inChunk = false;
                continue;
            }

            if (_offset + 2 > _body.Length || _offset + 2 + _body[_offset + 1] > _body.Length)
            {
                IsMalformed = true;
                return false;
            }

            int length = _body[_offset + 1];
            item = new SdesItem(_ssrc, (SdesItemType)type, _body.Slice(_offset + 2, length));
            _offset += 2 + length;
            return true;
        }

        return false;
    }

    /// <summary>Length of an SDES packet holding one chunk with one CNAME of <paramref name="cnameLength"/> bytes.</summary>
    public static int GetCnameLength(int cnameLength) => RtcpHeader.Length + ((4 + 2 + cnameLength + 1 + 3) & ~3);

    /// <summary>Writes an SDES packet with one chunk carrying a CNAME item (RFC 3550 §6.5.1); returns its length.</summary>
    public static int WriteCname(Span<byte> destination, uint ssrc, ReadOnlySpan<byte> cname)
    {
        if (cname.Length > MaxTextLength)
        {
            throw new ArgumentException("An SDES item holds at most 255 bytes.", nameof(cname));
        }

        int length = GetCnameLength(cname.Length);
        RtcpHeader.EnsureCapacity(destination, length);
        RtcpHeader.Write(destination, 1, RtcpPacketType.SourceDescription, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(4), ssrc);
        destination[8] = (byte)SdesItemType.Cname;
        destination[9] = (byte)cname.Length;
        cname.CopyTo(destination.Slice(10));
        destination.Slice(10 + cname.Length, length - 10 - cname.Length).Clear();
        return length;
    }

    /// <summary>Writes an SDES CNAME packet from text, encoded as UTF-8 without allocation; returns its length.</summary>
    public static int WriteCname(Span<byte> destination, uint ssrc, ReadOnlySpan<char> cname)
    {
        Span<byte> utf8 = stackalloc byte[MaxTextLength];
        if (!Encoding.UTF8.TryGetBytes(cname, utf8, out int written))
        {
            throw new ArgumentException("An SDES item holds at most 255 bytes.", nameof(cname));
        }

        return WriteCname(destination, ssrc, utf8.Slice(0, written));
    }
}
