namespace Sluice.Media.Containers;

/// <summary>Reads the duration of an Opus packet from its TOC byte (RFC 6716 §3.1–3.2).</summary>
public static class OpusToc
{
    /// <summary>The longest duration a packet may have: 120 ms at 48 kHz (RFC 6716 §3.2.5).</summary>
    public const int MaxSamples48k = 5760;

    /// <summary>
    /// Samples per channel at 48 kHz the packet decodes to: frame size from the TOC config (§3.1, Table 2)
    /// times the frame count from the code (0: one, 1 and 2: two, 3: the count in the second byte, §3.2.5).
    /// Returns 0 for a malformed packet (empty, code 3 without its count byte, zero frames or more than 120 ms).
    /// </summary>
    public static int Samples48k(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty)
        {
            return 0;
        }

        int frameSize = FrameSamples48k(packet[0] >> 3);
        int frames;
        switch (packet[0] & 0x03)
        {
            case 0:
                frames = 1;
                break;
            case 1:
            case 2:
                frames = 2;
                break;
            default:
                if (packet.Length < 2)
                {
                    return 0;
                }

                frames = packet[1] & 0x3F;
                break;
        }

        int samples = frameSize * frames;
        return samples is > 0 and <= MaxSamples48k ? samples : 0;
    }

    /// <summary>Frame size of a TOC configuration number (0–31) at 48 kHz.</summary>
    public static int FrameSamples48k(int config)
    {
        if (config < 12)
        {
            // SILK-only: 10, 20, 40, 60 ms.
            return (config & 3) switch { 0 => 480, 1 => 960, 2 => 1920, _ => 2880 };
        }

        if (config < 16)
        {
            // Hybrid: 10, 20 ms.
            return (config & 1) == 0 ? 480 : 960;
        }

        // CELT-only: 2.5, 5, 10, 20 ms.
        return 120 << (config & 3);
    }
}
