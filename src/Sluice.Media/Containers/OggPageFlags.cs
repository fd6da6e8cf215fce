namespace Sluice.Media.Containers;

/// <summary>The header_type bits of an Ogg page (RFC 3533 §6).</summary>
[Flags]
public enum OggPageFlags
{
    None = 0,
    Continued = 0x01,
    BeginningOfStream = 0x02,
    EndOfStream = 0x04,
}
