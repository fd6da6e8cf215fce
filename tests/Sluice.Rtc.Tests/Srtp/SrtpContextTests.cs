using System.Buffers.Binary;
using System.Security.Cryptography;
using Sluice.Rtc.Srtp;

namespace Sluice.Rtc.Tests.Srtp;

/// <summary>Behaviour of <see cref="SrtpContext"/> and <see cref="SrtpSession"/> for both profiles.</summary>
public class SrtpContextTests
{
    private const uint Ssrc = 0x1234_5678;

    public static TheoryData<SrtpProfile> Profiles => new() { SrtpProfile.Aes128CmHmacSha1_80, SrtpProfile.AeadAes128Gcm };

    private static (byte[] Key, byte[] Salt) MasterKeys(SrtpProfile profile, int seed = 7)
    {
        var random = new Random(seed);
        var key = new byte[SrtpProfiles.MasterKeyLength(profile)];
        var salt = new byte[SrtpProfiles.MasterSaltLength(profile)];
        random.NextBytes(key);
        random.NextBytes(salt);
        return (key, salt);
    }

    private static (SrtpContext Sender, SrtpContext Receiver) Pair(SrtpProfile profile)
    {
        var (key, salt) = MasterKeys(profile);
        return (new SrtpContext(profile, key, salt), new SrtpContext(profile, key, salt));
    }

    /// <summary>
    /// An RTP packet with two CSRCs and a one-byte-header extension (RFC 8285), followed by room for
    /// the tag: V=2 X=1 CC=2, M=1 PT=96, SEQ, TS, SSRC, 2 CSRCs, extension BEDE with one word, payload.
    /// </summary>
    private static byte[] RtpPacket(ushort sequence, int payloadLength, out int length, uint ssrc = Ssrc)
    {
        byte[] header =
        [
            0x92, 0xE0, 0x00, 0x00,  // V=2, X=1, CC=2 | M=1, PT=96 | sequence (set below)
            0x00, 0x01, 0xE2, 0x40,  // timestamp 123456
            0x00, 0x00, 0x00, 0x00,  // SSRC (set below)
            0xAA, 0xAA, 0xAA, 0xAA,  // CSRC 1
            0xBB, 0xBB, 0xBB, 0xBB,  // CSRC 2
            0xBE, 0xDE, 0x00, 0x01,  // extension profile 0xBEDE, length 1 word
            0x10, 0x42, 0x00, 0x00,  // id 1, len 2: 0x42 0x00; padding
        ];
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), ssrc);
        length = header.Length + payloadLength;
        var buffer = new byte[length + 16];
        header.CopyTo(buffer, 0);
        for (int i = 0; i < payloadLength; i++)
        {
            buffer[header.Length + i] = (byte)(sequence + i);
        }

        return buffer;
    }

    /// <summary>An RTCP receiver report from <paramref name="ssrc"/> with one report block, and room for the trailer.</summary>
    private static byte[] RtcpPacket(out int length, uint ssrc = Ssrc)
    {
        byte[] packet =
        [
            0x81, 0xC9, 0x00, 0x07,  // V=2, RC=1, PT=201 (RR), length 7 words
            0x00, 0x00, 0x00, 0x00,  // sender SSRC (set below)
            0x11, 0x22, 0x33, 0x44,  // reportee SSRC
            0x01, 0x00, 0x00, 0x05,  // fraction lost, cumulative lost
            0x00, 0x00, 0x10, 0x00,  // extended highest sequence
            0x00, 0x00, 0x00, 0x20,  // jitter
            0x00, 0x00, 0x00, 0x00,  // LSR
            0x00, 0x00, 0x00, 0x00,  // DLSR
        ];
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), ssrc);
        length = packet.Length;
        var buffer = new byte[length + 20];
        packet.CopyTo(buffer, 0);
        return buffer;
    }

    private static byte[] Protect(SrtpContext sender, ushort sequence, int payloadLength = 40, uint ssrc = Ssrc)
    {
        byte[] buffer = RtpPacket(sequence, payloadLength, out int length, ssrc);
        Assert.Equal(SrtpResult.Ok, sender.ProtectRtp(buffer, length, out int protectedLength));
        return buffer[..protectedLength];
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtp_RoundTrip_GivesTheOriginalPacket(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using (sender)
        using (receiver)
        {
            byte[] buffer = RtpPacket(1000, 100, out int length);
            byte[] original = buffer[..length];

            Assert.Equal(SrtpResult.Ok, sender.ProtectRtp(buffer, length, out int protectedLength));
            Assert.Equal(length + SrtpProfiles.RtpOverhead(profile), protectedLength);
            Assert.Equal(original[..28], buffer[..28]);                   // header, CSRCs, extension in clear
            Assert.NotEqual(original[28..length], buffer[28..length]);    // payload encrypted

            Span<byte> received = buffer.AsSpan(0, protectedLength);
            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(received, out int plainLength));
            Assert.Equal(original, received[..plainLength].ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtcp_RoundTrip_GivesTheOriginalPacket_WithIndexCountingFromZero(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using (sender)
        using (receiver)
        {
            for (uint expectedIndex = 0; expectedIndex < 3; expectedIndex++)
            {
                byte[] buffer = RtcpPacket(out int length);
                byte[] original = buffer[..length];

                Assert.Equal(SrtpResult.Ok, sender.ProtectRtcp(buffer, length, out int protectedLength));
                Assert.Equal(length + SrtpProfiles.RtcpOverhead(profile), protectedLength);
                int wordAt = profile == SrtpProfile.AeadAes128Gcm ? protectedLength - 4 : length;
                Assert.Equal(0x8000_0000u | expectedIndex, BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(wordAt)));

                Span<byte> received = buffer.AsSpan(0, protectedLength);
                Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtcp(received, out int plainLength));
                Assert.Equal(original, received[..plainLength].ToArray());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Session_FromKeyingMaterial_ClientOutboundIsServerInbound(SrtpProfile profile)
    {
        var material = new byte[SrtpProfiles.KeyingMaterialLength(profile)];
        new Random(3).NextBytes(material);
        using var client = SrtpSession.FromKeyingMaterial(profile, material, isClient: true);
        using var server = SrtpSession.FromKeyingMaterial(profile, material, isClient: false);

        byte[] toServer = Protect(client.Outbound, 1);
        byte[] toClient = Protect(server.Outbound, 1);

        Assert.Equal(SrtpResult.Ok, server.Inbound.UnprotectRtp(toServer.ToArray(), out _));
        Assert.Equal(SrtpResult.Ok, client.Inbound.UnprotectRtp(toClient.ToArray(), out _));
        Assert.Equal(SrtpResult.AuthenticationFailed, client.Inbound.UnprotectRtp(Protect(client.Outbound, 2), out _));
        Assert.Equal(profile, client.Outbound.Profile);
    }

    [Fact]
    public void Session_FromKeyingMaterial_SplitsPerRfc5764()
    {
        // client key 16 × 01, server key 16 × 02, client salt 14 × 03, server salt 14 × 04.
        byte[] material = [.. Enumerable.Repeat((byte)1, 16), .. Enumerable.Repeat((byte)2, 16), .. Enumerable.Repeat((byte)3, 14), .. Enumerable.Repeat((byte)4, 14)];
        using var session = SrtpSession.FromKeyingMaterial(SrtpProfile.Aes128CmHmacSha1_80, material, isClient: true);
        using var clientWrite = new SrtpContext(SrtpProfile.Aes128CmHmacSha1_80, material.AsSpan(0, 16), material.AsSpan(32, 14));
        using var serverWrite = new SrtpContext(SrtpProfile.Aes128CmHmacSha1_80, material.AsSpan(16, 16), material.AsSpan(46, 14));

        Assert.Equal(Protect(clientWrite, 9), Protect(session.Outbound, 9));
        Assert.Equal(SrtpResult.Ok, session.Inbound.UnprotectRtp(Protect(serverWrite, 9), out _));
        Assert.Throws<ArgumentException>(() => SrtpSession.FromKeyingMaterial(SrtpProfile.AeadAes128Gcm, material, true));
    }

    [Fact]
    public void Profiles_Sizes()
    {
        Assert.Equal(16, SrtpProfiles.MasterKeyLength(SrtpProfile.Aes128CmHmacSha1_80));
        Assert.Equal(16, SrtpProfiles.MasterKeyLength(SrtpProfile.AeadAes128Gcm));
        Assert.Equal(14, SrtpProfiles.MasterSaltLength(SrtpProfile.Aes128CmHmacSha1_80));
        Assert.Equal(12, SrtpProfiles.MasterSaltLength(SrtpProfile.AeadAes128Gcm));
        Assert.Equal(10, SrtpProfiles.RtpOverhead(SrtpProfile.Aes128CmHmacSha1_80));
        Assert.Equal(16, SrtpProfiles.RtpOverhead(SrtpProfile.AeadAes128Gcm));
        Assert.Equal(14, SrtpProfiles.RtcpOverhead(SrtpProfile.Aes128CmHmacSha1_80));
        Assert.Equal(20, SrtpProfiles.RtcpOverhead(SrtpProfile.AeadAes128Gcm));
        Assert.Equal(60, SrtpProfiles.KeyingMaterialLength(SrtpProfile.Aes128CmHmacSha1_80));
        Assert.Equal(56, SrtpProfiles.KeyingMaterialLength(SrtpProfile.AeadAes128Gcm));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtp_RocRollover_IsEstimatedAcrossTheWrap_IncludingReorderedPackets(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using (sender)
        using (receiver)
        {
            // Sent in order 65500 … 65535, 0 … 99 (ROC 0 then 1).
            var sent = new List<(ushort Sequence, byte[] Packet)>();
            for (int i = 65500; i < 65536 + 100; i++)
            {
                sent.Add(((ushort)i, Protect(sender, (ushort)i)));
            }

            Assert.Equal(65536 + 99, sender.HighestRtpIndex(Ssrc));

            // Received with neighbours swapped, so late pre-wrap packets arrive after post-wrap ones.
            for (int i = 0; i + 1 < sent.Count; i += 2)
            {
                (sent[i], sent[i + 1]) = (sent[i + 1], sent[i]);
            }

            (sent[30], sent[40]) = (sent[40], sent[30]); // 65530/65531 behind 4/5
            foreach (var (sequence, packet) in sent)
            {
                Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(packet, out int plainLength));
                byte[] expected = RtpPacket(sequence, 40, out int length);
                Assert.Equal(expected[..length], packet[..plainLength]);
            }

            Assert.Equal(65536 + 99, receiver.HighestRtpIndex(Ssrc));
        }
    }

    [Fact]
    public void Rtp_RocRollover_TagCoversTheRoc()
    {
        // RFC 3711 §4.2: the tag of a packet after the wrap authenticates ROC = 1, computed here
        // independently with HMACSHA1 over the packet ‖ ROC under the derived auth key.
        var (key, salt) = MasterKeys(SrtpProfile.Aes128CmHmacSha1_80);
        using var sender = new SrtpContext(SrtpProfile.Aes128CmHmacSha1_80, key, salt);
        var authKey = new byte[20];
        SrtpKeyDerivation.Derive(key, salt, SrtpKeyLabel.RtpAuthentication, authKey);

        foreach (var (sequence, roc) in new (ushort, uint)[] { (65535, 0), (0, 1), (1, 1) })
        {
            byte[] packet = Protect(sender, sequence);
            byte[] authenticated = packet[..^10];
            byte[] rocBytes = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(rocBytes, roc);

            byte[] expected = HMACSHA1.HashData(authKey, (byte[])[.. authenticated, .. rocBytes])[..10];

            Assert.Equal(expected, packet[^10..]);
        }
    }

    [Fact]
    public void Rtcp_Tag_IsHmacOverPacketAndIndexWord()
    {
        var (key, salt) = MasterKeys(SrtpProfile.Aes128CmHmacSha1_80);
        using var sender = new SrtpContext(SrtpProfile.Aes128CmHmacSha1_80, key, salt);
        var authKey = new byte[20];
        SrtpKeyDerivation.Derive(key, salt, SrtpKeyLabel.RtcpAuthentication, authKey);
        byte[] buffer = RtcpPacket(out int length);

        Assert.Equal(SrtpResult.Ok, sender.ProtectRtcp(buffer, length, out int protectedLength));

        byte[] expected = HMACSHA1.HashData(authKey, buffer.AsSpan(0, length + 4))[..10];
        Assert.Equal(expected, buffer[(length + 4)..protectedLength]);
    }

    [Fact]
    public void AesCm_HardwareAndFallback_ProduceTheSamePackets()
    {
        var (key, salt) = MasterKeys(SrtpProfile.Aes128CmHmacSha1_80);
        using var hardware = SrtpContext.Create(SrtpProfile.Aes128CmHmacSha1_80, key, salt, useHardware: true);
        using var fallback = SrtpContext.Create(SrtpProfile.Aes128CmHmacSha1_80, key, salt, useHardware: false);
        using var receiver = SrtpContext.Create(SrtpProfile.Aes128CmHmacSha1_80, key, salt, useHardware: false);

        foreach (int payload in new[] { 0, 1, 15, 16, 17, 127, 128, 129, 1188 })
        {
            byte[] a = Protect(hardware, (ushort)payload, payload);
            byte[] b = Protect(fallback, (ushort)payload, payload);
            Assert.Equal(a, b);
            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(a, out _));
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtp_Replay_DuplicateAndTooOld(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using (sender)
        using (receiver)
        {
            var packets = new byte[300][];
            for (int i = 0; i < packets.Length; i++)
            {
                packets[i] = Protect(sender, (ushort)(i + 10));
            }

            for (int i = 0; i < packets.Length; i++)
            {
                if (i != 250)
                {
                    Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(packets[i].ToArray(), out _));
                }
            }

            Assert.Equal(SrtpResult.ReplayDuplicate, receiver.UnprotectRtp(packets[299].ToArray(), out _));
            Assert.Equal(SrtpResult.ReplayDuplicate, receiver.UnprotectRtp(packets[299 - 127].ToArray(), out _));
            Assert.Equal(SrtpResult.ReplayTooOld, receiver.UnprotectRtp(packets[299 - 128].ToArray(), out _));
            Assert.Equal(SrtpResult.ReplayTooOld, receiver.UnprotectRtp(packets[0].ToArray(), out _));

            // A late packet inside the window that never arrived is still accepted, once.
            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(packets[250].ToArray(), out _));
            Assert.Equal(SrtpResult.ReplayDuplicate, receiver.UnprotectRtp(packets[250].ToArray(), out _));
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtcp_Replay_DuplicateAndTooOld(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using (sender)
        using (receiver)
        {
            var packets = new byte[200][];
            for (int i = 0; i < packets.Length; i++)
            {
                byte[] buffer = RtcpPacket(out int length);
                Assert.Equal(SrtpResult.Ok, sender.ProtectRtcp(buffer, length, out int protectedLength));
                packets[i] = buffer[..protectedLength];
                Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtcp(packets[i].ToArray(), out _));
            }

            Assert.Equal(SrtpResult.ReplayDuplicate, receiver.UnprotectRtcp(packets[199].ToArray(), out _));
            Assert.Equal(SrtpResult.ReplayTooOld, receiver.UnprotectRtcp(packets[10].ToArray(), out _));
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtp_AnyOneBitFlip_IsRejected_AndLeavesTheStateAlone(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using (sender)
        using (receiver)
        {
            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(Protect(sender, 1000), out _));
            byte[] genuine = Protect(sender, 1001);

            for (int bit = 0; bit < genuine.Length * 8; bit++)
            {
                byte[] tampered = genuine.ToArray();
                tampered[bit / 8] ^= (byte)(1 << (bit % 8));

                SrtpResult result = receiver.UnprotectRtp(tampered, out _);

                // Octet 0 (CC, X) and the extension length (octets 22–23) can make the header
                // malformed; octets 2–3 (SEQ) can hit the replay list.
                bool structural = bit / 8 is 0 or 2 or 3 or 22 or 23;
                Assert.True(structural ? result != SrtpResult.Ok : result == SrtpResult.AuthenticationFailed, $"bit {bit}: {result}");
                Assert.Equal(1000, receiver.HighestRtpIndex(Ssrc));
            }

            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(genuine, out _));
            Assert.Equal(1001, receiver.HighestRtpIndex(Ssrc));
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtcp_AnyOneBitFlip_IsRejected_AndLeavesTheStateAlone(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using (sender)
        using (receiver)
        {
            byte[] buffer = RtcpPacket(out int length);
            Assert.Equal(SrtpResult.Ok, sender.ProtectRtcp(buffer, length, out int protectedLength));
            byte[] genuine = buffer[..protectedLength];

            for (int bit = 0; bit < genuine.Length * 8; bit++)
            {
                byte[] tampered = genuine.ToArray();
                tampered[bit / 8] ^= (byte)(1 << (bit % 8));
                Assert.Equal(SrtpResult.AuthenticationFailed, receiver.UnprotectRtcp(tampered, out _));
            }

            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtcp(genuine.ToArray(), out _));
            Assert.Equal(SrtpResult.ReplayDuplicate, receiver.UnprotectRtcp(genuine.ToArray(), out _));
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void RandomInput_NeverThrows_AndIsNeverAccepted(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using (sender)
        using (receiver)
        {
            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(Protect(sender, 5), out _)); // a known SSRC too
            var random = new Random(20240601);
            for (int i = 0; i < 10_000; i++)
            {
                var buffer = new byte[random.Next(0, 200)];
                random.NextBytes(buffer);
                if (buffer.Length >= 12 && random.Next(4) == 0)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(8), Ssrc);
                }

                Assert.NotEqual(SrtpResult.Ok, receiver.UnprotectRtp(buffer.ToArray(), out _));
                Assert.NotEqual(SrtpResult.Ok, receiver.UnprotectRtcp(buffer.ToArray(), out _));

                // Protect must cope with any header too: random lengths, CSRC counts, extension lengths.
                int length = buffer.Length == 0 ? 0 : random.Next(0, buffer.Length + 1);
                sender.ProtectRtp(buffer.ToArray(), length, out _);
                sender.ProtectRtcp(buffer.ToArray(), length, out _);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void EveryTruncation_IsRejected(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using (sender)
        using (receiver)
        {
            byte[] rtp = Protect(sender, 77);
            byte[] rtcpBuffer = RtcpPacket(out int length);
            Assert.Equal(SrtpResult.Ok, sender.ProtectRtcp(rtcpBuffer, length, out int rtcpLength));
            byte[] rtcp = rtcpBuffer[..rtcpLength];

            for (int cut = 0; cut < rtp.Length; cut++)
            {
                Assert.NotEqual(SrtpResult.Ok, receiver.UnprotectRtp(rtp.AsSpan(0, cut).ToArray(), out _));
            }

            for (int cut = 0; cut < rtcp.Length; cut++)
            {
                Assert.NotEqual(SrtpResult.Ok, receiver.UnprotectRtcp(rtcp.AsSpan(0, cut).ToArray(), out _));
            }

            Assert.Equal(SrtpResult.TooShort, receiver.UnprotectRtp(rtp.AsSpan(0, 11 + SrtpProfiles.RtpOverhead(profile)).ToArray(), out _));
            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(rtp, out _));
            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtcp(rtcp, out _));
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Protect_RejectsBadArguments_WithResults(SrtpProfile profile)
    {
        var (sender, _) = Pair(profile);
        using (sender)
        {
            byte[] buffer = RtpPacket(1, 10, out int length);
            Assert.Equal(SrtpResult.TooShort, sender.ProtectRtp(buffer, 11, out _));
            Assert.Equal(SrtpResult.Malformed, sender.ProtectRtp(buffer, 20, out _)); // CSRCs + extension cut off
            Assert.Equal(SrtpResult.BufferTooSmall, sender.ProtectRtp(buffer.AsSpan(0, length + 9), length, out _));
            Assert.Equal(SrtpResult.BufferTooSmall, sender.ProtectRtp(buffer, buffer.Length + 1, out _));
            Assert.Equal(SrtpResult.TooShort, sender.ProtectRtcp(buffer, 7, out _));
            Assert.Equal(SrtpResult.BufferTooSmall, sender.ProtectRtcp(buffer.AsSpan(0, 40), 30, out _));
        }
    }

    [Fact]
    public void Constructor_RejectsWrongKeyLengths_AndDisposedContextThrows()
    {
        Assert.Throws<ArgumentException>(() => new SrtpContext(SrtpProfile.AeadAes128Gcm, new byte[16], new byte[14]));
        Assert.Throws<ArgumentException>(() => new SrtpContext(SrtpProfile.Aes128CmHmacSha1_80, new byte[15], new byte[14]));
        var context = new SrtpContext(SrtpProfile.AeadAes128Gcm, new byte[16], new byte[12]);
        context.Dispose();
        Assert.Throws<ObjectDisposedException>(() => context.ProtectRtp(new byte[64], 20, out _));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void SteadyState_AllocatesNothing(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        using (sender)
        using (receiver)
        {
            byte[] buffer = RtpPacket(0, 1188 - 16, out int length);
            byte[] rtcp = RtcpPacket(out int rtcpLength);
            Cycle(sender, receiver, buffer, length, rtcp, rtcpLength, 0, 100); // warm-up: JIT, SSRC state

            long before = GC.GetAllocatedBytesForCurrentThread();
            Cycle(sender, receiver, buffer, length, rtcp, rtcpLength, 100, 1000);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(0, allocated);
        }

        static void Cycle(SrtpContext sender, SrtpContext receiver, byte[] buffer, int length, byte[] rtcp, int rtcpLength, int first, int count)
        {
            for (int i = first; i < first + count; i++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)i);
                if (sender.ProtectRtp(buffer, length, out int protectedLength) != SrtpResult.Ok
                    || receiver.UnprotectRtp(buffer.AsSpan(0, protectedLength), out _) != SrtpResult.Ok
                    || sender.ProtectRtcp(rtcp, rtcpLength, out int rtcpProtected) != SrtpResult.Ok
                    || receiver.UnprotectRtcp(rtcp.AsSpan(0, rtcpProtected), out _) != SrtpResult.Ok)
                {
                    throw new InvalidOperationException($"cycle {i} failed");
                }
            }
        }
    }
}
