namespace Sluice.Rtc.Rtp;

/// <summary>One RFC 8285 header extension element: its local identifier and its data.</summary>
public readonly ref struct RtpExtension
{
    /// <summary>Creates an element view.</summary>
    public RtpExtension(int id, ReadOnlySpan<byte> data)
    {
        Id = id;
        Data = data;
    }

    /// <summary>Local identifier negotiated by a=extmap (1..14 one-byte, 1..255 two-byte).</summary>
    public int Id { get; }

    /// <summary>The element's data (for two-byte elements, possibly empty).</summary>
    public ReadOnlySpan<byte> Data { get; }
}
