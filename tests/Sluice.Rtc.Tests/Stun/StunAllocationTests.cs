using System.Net;
using Sluice.Rtc.Stun;

namespace Sluice.Rtc.Tests.Stun;

/// <summary>The ICE-lite server path (check a request, answer it) allocates nothing per packet.</summary>
public class StunAllocationTests
{
    [Fact]
    public void ParseVerifyAndRespond_AllocatesNothing()
    {
        var request = StunTestData.SampleRequest;
        var key = "VOkJxbRl1RmTxUk/WvJxBt"u8.ToArray();
        var from = new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853).Serialize();
        var response = new byte[1500];

        var checksum = Run(request, key, from, response, 100);
        var before = GC.GetAllocatedBytesForCurrentThread();
        checksum += Run(request, key, from, response, 1000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(1100 * (20 + 12 + 24 + 8), checksum); // header, XOR-MAPPED-ADDRESS, MI, FINGERPRINT
    }

    private static int Run(byte[] request, byte[] key, SocketAddress from, byte[] response, int iterations)
    {
        var total = 0;
        for (var i = 0; i < iterations; i++)
        {
            if (!StunMessage.TryParse(request, out var message)
                || !message.VerifyMessageIntegrity(key)
                || !message.VerifyFingerprint())
            {
                return -1;
            }

            var writer = new StunWriter(response, StunMessageType.BindingSuccessResponse, message.TransactionId);
            writer.AddXorMappedAddress(from);
            writer.AddMessageIntegrity(key);
            writer.AddFingerprint();
            total += writer.Length;
        }

        return total;
    }
}
