using System.Net;
using BenchmarkDotNet.Attributes;
using Sluice.Rtc.Stun;

namespace Sluice.Bench;

/// <summary>
/// The ICE-lite server's STUN path: check an incoming Binding request (RFC 5769 §2.1 sample) and
/// write the success response with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY and FINGERPRINT.
/// </summary>
[MemoryDiagnoser]
public class StunBenchmarks
{
    // RFC 5769 §2.1, verbatim.
    private static readonly byte[] Request = Convert.FromHexString(
        "000100582112a442b7e7a701bc34d686fa87dfae" + // header
        "802200105354554e207465737420636c69656e74" + // SOFTWARE "STUN test client"
        "002400046e0001ff" +                         // PRIORITY
        "80290008932ff9b151263b36" +                 // ICE-CONTROLLED
        "000600096576746a3a68367659202020" +         // USERNAME "evtj:h6vY"
        "000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2" + // MESSAGE-INTEGRITY
        "80280004e57a3bcf");                         // FINGERPRINT

    private readonly byte[] _key = "VOkJxbRl1RmTxUk/WvJxBt"u8.ToArray();
    private readonly byte[] _response = new byte[1500];
    private readonly SocketAddress _from = new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853).Serialize();

    [GlobalSetup]
    public void Setup()
    {
        if (!ParseAndCheck())
        {
            throw new InvalidOperationException("The RFC 5769 request must verify.");
        }
    }

    [Benchmark(Description = "parse + check")]
    public bool ParseAndCheck() =>
        StunMessage.TryParse(Request, out var message)
        && message.VerifyMessageIntegrity(_key)
        && message.VerifyFingerprint();

    [Benchmark(Description = "write binding response")]
    public int WriteBindingResponse()
    {
        var writer = new StunWriter(_response, StunMessageType.BindingSuccessResponse, Request.AsSpan(8, 12));
        writer.AddXorMappedAddress(_from);
        writer.AddMessageIntegrity(_key);
        writer.AddFingerprint();
        return writer.Length;
    }
}
