namespace Sluice.Rtc.Stun;

/// <summary>
/// CRC-32 as ISO/IEC 3309 and ITU-T V.42 define it (reflected, polynomial 0xEDB88320, initial and
/// final XOR 0xFFFFFFFF), which the STUN FINGERPRINT attribute uses (RFC 8489 §14.7).
/// Table driven because System.IO.Hashing is not available to this project.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var table = Table;
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = table[(byte)(crc ^ b)] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
