using Sluice.Media.Codecs;

namespace Sluice.Media.Tests.Support;

/// <summary>Synthetic frames in each codec's container form.</summary>
public static class TestFrames
{
    /// <summary>Random bytes without zeros, so they never contain an Annex B start code.</summary>
    public static byte[] NonZero(Random random, int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)random.Next(1, 256);
        }

        return bytes;
    }

    public static byte[] Random(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>An H.264 access unit: SPS, PPS, SEI and an IDR slice of about <paramref name="size"/> bytes, 4-byte start codes.</summary>
    public static byte[] H264AccessUnit(Random random, int size)
    {
        byte[][] nals =
        [
            [0x67, .. NonZero(random, 12)],
            [0x68, .. NonZero(random, 4)],
            [0x06, .. NonZero(random, 20)],
            [0x65, 0x88, .. NonZero(random, Math.Max(2, size - 60))],
        ];
        return AnnexBOf(nals);
    }

    public static byte[] AnnexBOf(IEnumerable<byte[]> nals)
    {
        var output = new MemoryStream();
        foreach (var nal in nals)
        {
            output.Write([0, 0, 0, 1]);
            output.Write(nal);
        }

        return output.ToArray();
    }

    /// <summary>An AV1 temporal unit: temporal delimiter, sequence header, and a frame OBU of about <paramref name="size"/> bytes.</summary>
    public static byte[] Av1TemporalUnit(Random random, int size, bool withSequenceHeader = true)
    {
        var output = new MemoryStream();
        output.Write([0x12, 0x00]);
        if (withSequenceHeader)
        {
            WriteObu(output, 0x0A, Random(random, 11));
        }

        WriteObu(output, 0x32, Random(random, Math.Max(1, size - 20)));
        return output.ToArray();
    }

    public static void WriteObu(Stream output, byte header, byte[] payload)
    {
        output.WriteByte(header);
        Leb128.Write(output, (uint)payload.Length);
        output.Write(payload);
    }
}
