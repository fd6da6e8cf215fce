using System.Buffers.Binary;
using Sluice.Rtc.Stun;

namespace Sluice.Rtc.Tests.Stun;

/// <summary>Bad network input never throws and truncated messages are rejected.</summary>
public class StunRobustnessTests
{
    private static readonly byte[] Key = "VOkJxbRl1RmTxUk/WvJxBt"u8.ToArray();

    private static readonly ushort[] AttributeTypes =
    [
        0x0001, 0x0006, 0x0008, 0x0009, 0x000A, 0x0014, 0x0015, 0x001C, 0x0020, 0x0024, 0x0025,
        0x8022, 0x8028, 0x8029, 0x802A, 0x7FFF, 0xFFFF,
    ];

    [Fact]
    public void RandomBuffers_NeverThrow()
    {
        var random = new Random(5769);
        for (var i = 0; i < 20_000; i++)
        {
            var buffer = new byte[random.Next(0, 200)];
            random.NextBytes(buffer);
            Exercise(buffer);
        }
    }

    [Fact]
    public void RandomBodiesBehindValidHeader_NeverThrow()
    {
        var random = new Random(8489);
        var accepted = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var buffer = i % 2 == 0 ? RandomBody(random) : RandomAttributes(random);
            if (Exercise(buffer))
            {
                accepted++;
            }
        }

        // Well-formed TLV soups must parse, so the getters are really exercised on odd values.
        Assert.True(accepted >= 10_000, $"only {accepted} accepted");
    }

    public static TheoryData<int> VectorIndexes => [0, 1, 2, 3];

    [Theory]
    [MemberData(nameof(VectorIndexes))]
    public void EveryTruncation_IsRejected(int vectorIndex)
    {
        var vector = StunTestData.AllVectors[vectorIndex];
        for (var length = 0; length < vector.Length; length++)
        {
            var truncated = vector.AsSpan(0, length);
            Assert.False(StunMessage.IsStun(truncated));
            Assert.False(Exercise(truncated.ToArray()), $"truncation to {length} bytes was accepted");
        }
    }

    /// <summary>Truncations whose length field is patched to match: never throw; any accepted one lost its FINGERPRINT.</summary>
    [Theory]
    [MemberData(nameof(VectorIndexes))]
    public void EveryTruncation_WithPatchedLength_NeverThrows(int vectorIndex)
    {
        var vector = StunTestData.AllVectors[vectorIndex];
        for (var length = StunMessage.HeaderLength; length < vector.Length; length++)
        {
            var truncated = vector.AsSpan(0, length).ToArray();
            BinaryPrimitives.WriteUInt16BigEndian(truncated.AsSpan(2), (ushort)(length - StunMessage.HeaderLength));
            if (Exercise(truncated))
            {
                Assert.True(StunMessage.TryParse(truncated, out var message));
                Assert.False(message.VerifyFingerprint());
            }
        }
    }

    private static byte[] RandomBody(Random random)
    {
        var body = new byte[4 * random.Next(0, 40)];
        random.NextBytes(body);
        return WithHeader(random, body);
    }

    private static byte[] RandomAttributes(Random random)
    {
        var body = new List<byte>();
        var count = random.Next(0, 12);
        for (var i = 0; i < count; i++)
        {
            var type = AttributeTypes[random.Next(AttributeTypes.Length)];
            var value = new byte[random.Next(0, 3) == 0 ? random.Next(0, 40) : random.Next(0, 9)];
            random.NextBytes(value);
            body.Add((byte)(type >> 8));
            body.Add((byte)type);
            body.Add((byte)(value.Length >> 8));
            body.Add((byte)value.Length);
            body.AddRange(value);
            while (body.Count % 4 != 0)
            {
                body.Add((byte)random.Next(256));
            }
        }

        return WithHeader(random, [.. body]);
    }

    private static byte[] WithHeader(Random random, byte[] body)
    {
        var buffer = new byte[StunMessage.HeaderLength + body.Length];
        BinaryPrimitives.WriteUInt16BigEndian(buffer, (ushort)random.Next(0, 0x4000));
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)body.Length);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), StunMessage.MagicCookie);
        random.NextBytes(buffer.AsSpan(8, 12));
        body.CopyTo(buffer, StunMessage.HeaderLength);
        return buffer;
    }

    /// <summary>Calls every read-side member; returns whether the buffer parsed.</summary>
    private static bool Exercise(byte[] buffer)
    {
        StunMessage.IsStun(buffer);
        var parsed = StunMessage.TryParse(buffer, out var message);
        _ = message.Type;
        _ = message.TransactionId;
        _ = message.Username;
        _ = message.HasUseCandidate;
        message.TryGetPriority(out _);
        message.TryGetIceControlling(out _);
        message.TryGetIceControlled(out _);
        message.TryGetErrorCode(out _, out _);
        message.TryGetXorMappedAddress(out _);
        message.VerifyMessageIntegrity(Key);
        message.VerifyFingerprint();
        var reader = message.Attributes;
        while (reader.TryRead(out _, out _))
        {
        }

        return parsed;
    }
}
