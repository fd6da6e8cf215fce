using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;
using Sluice.Rtc.Srtp;
using Sluice.Testing;
using Sluice.Rtc.Transport;

namespace Sluice.Rtc.Tests.Interop;

/// <summary>
/// A peer we did not write: headless Chromium's RTCPeerConnection sends its fake camera and microphone to
/// a Sluice.Rtc endpoint that answers its offer (ICE-lite, DTLS server, VP8 + Opus). The connection must
/// reach "connected" and every SRTP packet must unprotect, under each SRTP profile.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class ChromiumTransportTests
{
    private const string Page = """
        <!doctype html>
        <title>sluice</title>
        <script>
        window.makeOffer = async () => {
          const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
          window.pc = new RTCPeerConnection();
          for (const track of stream.getTracks()) {
            pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
          }
          await pc.setLocalDescription(await pc.createOffer());
          return pc.localDescription.sdp;
        };
        window.applyAnswer = async (sdp) => { await pc.setRemoteDescription({ type: 'answer', sdp }); };
        window.outbound = async () => {
          const stats = await pc.getStats();
          const codecs = {};
          stats.forEach(s => { if (s.type === 'codec') codecs[s.id] = s.mimeType; });
          const out = [];
          stats.forEach(s => { if (s.type === 'outbound-rtp') out.push({ kind: s.kind, ssrc: s.ssrc, packetsSent: s.packetsSent, mimeType: codecs[s.codecId] }); });
          return JSON.stringify(out);
        };
        </script>
        """;

    [ChromiumTheory]
    [InlineData(SrtpProfile.AeadAes128Gcm)]
    [InlineData(SrtpProfile.Aes128CmHmacSha1_80)]
    public async Task Chromium_connects_and_every_srtp_packet_unprotects(SrtpProfile profile)
    {
        await using var chromium = await Chromium.StartAsync();
        var browser = chromium.Browser;
        var page = await Chromium.OpenPageAsync(browser, Page);
        var offer = SessionDescription.Parse(await page.EvaluateAsync<string>("() => window.makeOffer()"));

        using var mux = new UdpMux(new IPEndPoint(IPAddress.Loopback, 0));
        mux.Start();
        using var certificate = DtlsCertificate.Generate();
        var localIce = IceParameters.Generate();
        var video = offer.Media.Single(m => m.Kind == "video");
        var remoteIce = new IceParameters(video.IceUfrag ?? offer.IceUfrag!, video.IcePwd ?? offer.IcePwd!);
        Assert.True(DtlsFingerprint.TryParse(video.Fingerprints.FirstOrDefault() ?? offer.Fingerprints[0], out var browserFingerprint));

        Assert.True(SdpAnswerer.TryCreateAnswer(offer, new SdpAnswerOptions
        {
            IceUfrag = localIce.UsernameFragment,
            IcePwd = localIce.Password,
            Fingerprint = certificate.Fingerprint.ToString(),
            IceLite = true,
            Codecs = [SdpCodecCapability.VP8, SdpCodecCapability.Opus],
            Candidates = [new IceCandidate("1", 1, "udp", 2130706431, "127.0.0.1", mux.LocalEndPoint.Port, "host")],
            EndOfCandidates = true,
        }, out var answer, out var error), error);
        var vp8 = answer!.Media.Single(m => m.Kind == "video").Codecs.Single(c => c.Name == "VP8").PayloadType;
        var opus = answer.Media.Single(m => m.Kind == "audio").Codecs.Single(c => c.Name == "opus").PayloadType;

        using var transport = new WebRtcTransport(mux, new WebRtcTransportOptions
        {
            Certificate = certificate,
            LocalIce = localIce,
            RemoteIce = remoteIce,
            RemoteFingerprint = browserFingerprint!,
            SrtpProfiles = [profile],
        });
        var packetsByPayloadType = new ConcurrentDictionary<int, int>();
        var ssrcs = new ConcurrentDictionary<uint, int>();
        transport.RtpReceived = (_, packet) =>
        {
            packetsByPayloadType.AddOrUpdate(packet[1] & 0x7F, 1, (_, n) => n + 1);
            ssrcs.AddOrUpdate(BinaryPrimitives.ReadUInt32BigEndian(packet[8..]), 1, (_, n) => n + 1);
        };
        var connected = Await.State(transport, TransportState.Connected);
        transport.Start();

        await page.EvaluateAsync("sdp => window.applyAnswer(sdp)", answer.ToString());
        await page.WaitForFunctionAsync("() => window.pc.connectionState === 'connected'", null,
            new PageWaitForFunctionOptions { Timeout = 20_000 });
        await Await.WithTimeout(connected, TimeSpan.FromSeconds(10), "the Sluice transport to connect");

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((packetsByPayloadType.GetValueOrDefault(vp8) < 100 || packetsByPayloadType.GetValueOrDefault(opus) < 100)
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(profile, transport.SrtpProfile);
        Assert.True(packetsByPayloadType.GetValueOrDefault(vp8) >= 100, $"VP8 packets: {packetsByPayloadType.GetValueOrDefault(vp8)}");
        Assert.True(packetsByPayloadType.GetValueOrDefault(opus) >= 100, $"Opus packets: {packetsByPayloadType.GetValueOrDefault(opus)}");
        Assert.Equal(0, transport.Stats.SrtpAuthenticationFailures);
        Assert.Equal(0, transport.Stats.SrtpOtherErrors);

        // What Chromium says it sent is what we unprotected: its outbound SSRCs, with VP8 and Opus.
        var outbound = JsonSerializer.Deserialize<OutboundRtp[]>(
            await page.EvaluateAsync<string>("() => window.outbound()"), JsonSerializerOptions.Web)!;
        Assert.Contains(outbound, o => o.Kind == "video" && o.MimeType == "video/VP8" && ssrcs.ContainsKey(o.Ssrc));
        Assert.Contains(outbound, o => o.Kind == "audio" && o.MimeType == "audio/opus" && ssrcs.ContainsKey(o.Ssrc));
    }

    public sealed record OutboundRtp(string Kind, uint Ssrc, long PacketsSent, string? MimeType);
}

/// <summary>Browser tests run one at a time: each Chromium costs a good part of a core.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChromiumCollection
{
    public const string Name = "Chromium";
}
