using Sluice.Rtc.Dtls;

namespace Sluice.Rtc.Tests.Dtls;

/// <summary>Network input never throws (RFC 6347 §4.1.2.7: invalid records are silently discarded).</summary>
public class DtlsTransportRobustnessTests
{
    [Fact]
    public void Datagrams_before_Start_are_ignored_and_counted()
    {
        using var loopback = new DtlsLoopback();

        loopback.Server.ReceiveDatagram(new byte[] { 0x16, 0xFE, 0xFF });
        loopback.Server.ReceiveDatagram([]);

        Assert.Equal(2, loopback.Server.IgnoredDatagrams);
        Assert.Equal(DtlsState.New, loopback.Server.State);
    }

    [Fact]
    public void Random_datagrams_to_a_waiting_server_never_throw()
    {
        using var loopback = new DtlsLoopback();
        loopback.Server.Start();
        var random = new Random(5764);

        for (int i = 0; i < 2000; i++)
        {
            loopback.Server.ReceiveDatagram(RandomDatagram(random, epoch: 0));
        }

        // DTLS-shaped handshake records with random bodies may legitimately abort a handshake; nothing else.
        Assert.Contains(loopback.Server.State, new[] { DtlsState.Connecting, DtlsState.Failed });
    }

    [Fact]
    public void Every_truncation_of_a_ClientHello_is_handled_without_throwing()
    {
        byte[] clientHello;
        using (var source = new DtlsLoopback())
        {
            source.Client.Start();
            clientHello = source.SentByClient.Single();
        }

        for (int length = 0; length < clientHello.Length; length++)
        {
            using var loopback = new DtlsLoopback();
            loopback.Server.Start();
            loopback.Server.ReceiveDatagram(clientHello.AsSpan(0, length));
            Assert.NotEqual(DtlsState.Connected, loopback.Server.State);
            Assert.DoesNotContain(loopback.SentByServer, d => d.Length > DtlsTransport.Mtu);
        }
    }

    [Fact]
    public void Handshake_completes_with_random_garbage_interleaved()
    {
        using var loopback = new DtlsLoopback();
        var random = new Random(8827);
        int injected = 0;
        loopback.BeforeDeliver = (toServer, _) =>
        {
            // What RFC 7983 demultiplexing would route to DTLS: first byte 20..63, anything after.
            for (int i = 0; i < 5; i++)
            {
                byte[] garbage = new byte[random.Next(1, 1500)];
                random.NextBytes(garbage);
                garbage[0] = (byte)random.Next(20, 64);
                (toServer ? loopback.Server : loopback.Client).ReceiveDatagram(garbage);
                injected++;
            }
        };

        loopback.Start();
        loopback.Pump();

        Assert.True(injected > 10);
        Assert.True(loopback.BothConnected, $"client {loopback.Client.FailureReason}, server {loopback.Server.FailureReason}");
    }

    [Fact]
    public void Garbage_after_Connected_changes_nothing()
    {
        using var loopback = new DtlsLoopback();
        var received = new List<byte[]>();
        loopback.Server.ApplicationDataReceived = data => received.Add(data.ToArray());
        loopback.Start();
        loopback.Pump();
        var random = new Random(6347);
        byte[] replayed = loopback.SentByClient.Last();

        for (int i = 0; i < 2000; i++)
        {
            loopback.Server.ReceiveDatagram(RandomDatagram(random, epoch: (ushort)(i % 3)));
            loopback.Client.ReceiveDatagram(RandomDatagram(random, epoch: 1));
        }

        loopback.Server.ReceiveDatagram(replayed); // a duplicate of the client's last flight
        loopback.Pump();

        Assert.True(
            loopback.BothConnected,
            $"client {loopback.Client.State} {loopback.Client.FailureReason}, server {loopback.Server.State} {loopback.Server.FailureReason}");
        Assert.Empty(received);
        Assert.True(loopback.Client.SendApplicationData("still works"u8));
        loopback.Pump();
        Assert.Equal(["still works"u8.ToArray()], received);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(23)] // one short of AES-GCM's 8-byte explicit nonce + 16-byte tag
    [InlineData(24)]
    [InlineData(40)]
    public void Short_protected_records_are_discarded_instead_of_failing_the_association(int length)
    {
        using var loopback = new DtlsLoopback();
        var received = new List<byte[]>();
        loopback.Server.ApplicationDataReceived = data => received.Add(data.ToArray());
        loopback.Start();
        loopback.Pump();
        byte[] record = new byte[13 + length];
        new Random(length).NextBytes(record);
        record[0] = 23;                                  // application_data
        record[1] = 0xFE;                                // DTLS 1.2
        record[2] = 0xFD;
        record[3] = 0x00;                                // epoch 1
        record[4] = 0x01;
        record[11] = (byte)(length >> 8);                // length
        record[12] = (byte)length;

        loopback.Server.ReceiveDatagram(record);
        Assert.True(loopback.Client.SendApplicationData("after"u8));
        loopback.Pump();

        Assert.Equal(DtlsState.Connected, loopback.Server.State);
        Assert.Equal(["after"u8.ToArray()], received);
    }

    /// <summary>Half fully random, half a well-formed DTLS 1.2 record header (RFC 6347 §4.1) over random bytes.</summary>
    private static byte[] RandomDatagram(Random random, ushort epoch)
    {
        byte[] datagram = new byte[random.Next(0, 1400)];
        random.NextBytes(datagram);
        if (datagram.Length >= 13 && random.Next(2) == 0)
        {
            datagram[0] = (byte)random.Next(20, 24);              // change_cipher_spec .. application_data
            datagram[1] = 0xFE;                                    // DTLS 1.2
            datagram[2] = 0xFD;
            datagram[3] = (byte)(epoch >> 8);                      // epoch
            datagram[4] = (byte)epoch;
            int length = datagram.Length - 13;                     // length covers the rest
            datagram[11] = (byte)(length >> 8);
            datagram[12] = (byte)length;
        }

        return datagram;
    }
}
