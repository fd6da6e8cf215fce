using Sluice.Rtc.Dtls;

namespace Sluice.Rtc.Tests.Dtls;

/// <summary>
/// RFC 6347 §4.2.4 flight retransmission. OpenSSL measures DTLS timeouts on the wall clock (first retransmission
/// after 100 ms); the loopback ticks both transports every 20 ms, as the mux heartbeat does, and these tests await
/// completion with a timeout.
/// </summary>
public class DtlsTransportRetransmissionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Lost_ClientHello_is_retransmitted_and_the_handshake_completes()
    {
        using var loopback = new DtlsLoopback()
        {
            Drop = (toServer, index, _) => toServer && index == 0,
        };

        loopback.Start();
        bool connected = await loopback.PumpUntilAsync(() => loopback.BothConnected, Timeout);

        Assert.True(connected, $"client {loopback.Client.State}, server {loopback.Server.State}");
        byte[][] sent = [.. loopback.SentByClient];
        Assert.Equal(sent[0][13..], sent[1][13..]); // apart from the record sequence number, the retransmission repeats the ClientHello
    }

    [Fact]
    public async Task Lost_server_flight_is_retransmitted_and_the_handshake_completes()
    {
        using var loopback = new DtlsLoopback()
        {
            Drop = (toServer, index, _) => !toServer && index == 0,
        };

        loopback.Start();
        bool connected = await loopback.PumpUntilAsync(() => loopback.BothConnected, Timeout);

        Assert.True(connected, $"client {loopback.Client.State}, server {loopback.Server.State}");
        Assert.True(loopback.SentByServer.Count >= 3);
    }

    [Fact]
    public async Task Lost_final_server_flight_is_recovered()
    {
        int serverSends = 0;
        using var loopback = new DtlsLoopback();
        loopback.Drop = (toServer, _, _) => !toServer && Interlocked.Increment(ref serverSends) == 2; // ChangeCipherSpec + Finished

        loopback.Start();
        bool connected = await loopback.PumpUntilAsync(() => loopback.BothConnected, Timeout);

        Assert.True(connected, $"client {loopback.Client.State}, server {loopback.Server.State}");
    }
}
