using System.Buffers.Binary;
using System.Numerics;

namespace Sluice.Rtc.Sctp;

/// <summary>
/// The SCTP checksum: CRC32c (Castagnoli), RFC 9260 §6.8 and appendix A, computed with the CPU's crc32
/// instruction where there is one (<see cref="BitOperations.Crc32C(uint, ulong)"/>). The value is stored in the
/// common header's checksum field least significant byte first, as the RFC's reflected algorithm leaves it
/// (RFC 3720 appendix B.4 gives the vectors).
/// </summary>
public static class Crc32c
{
    /// <summary>The CRC32c of <paramref name="data"/>: initial value all ones, result inverted.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Accumulate(0xFFFFFFFF, data);

    /// <summary>Feeds <paramref name="data"/> into a running CRC (no inversion either side).</summary>
    public static uint Accumulate(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }
}
