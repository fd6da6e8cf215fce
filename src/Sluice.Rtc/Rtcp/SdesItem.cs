namespace Sluice.Rtc.Rtcp;

/// <summary>One SDES item (RFC 3550 §6.5) with the SSRC/CSRC of the chunk holding it.</summary>
public readonly ref struct SdesItem
{
    /// <summary>Creates an item view.</summary>
    public SdesItem(uint ssrc, SdesItemType type, ReadOnlySpan<byte> text)
    {
        Ssrc = ssrc;
        Type = type;
        Text = text;
    }

    /// <summary>The chunk's SSRC or CSRC.</summary>
    public uint Ssrc { get; }

    /// <summary>The item type.</summary>
    public SdesItemType Type { get; }

    /// <summary>The item text (UTF-8, not terminated).</summary>
    public ReadOnlySpan<byte> Text { get; }
}
