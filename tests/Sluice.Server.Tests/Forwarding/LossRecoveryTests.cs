using System.Buffers.Binary;
using Sluice.Server.Tests.Cli;
using Sluice.Server.Tests.Support;
using Sluice.Sfu;
using Sluice.Sfu.Sessions;
using Sluice.Testing;

namespace Sluice.Server.Tests.Forwarding;

/// <summary>
/// 5 % of the video packets toward one subscriber are dropped at the node's socket; the CLI subscriber's
/// NACKs are answered from the retransmission cache (over RTX), and every frame it saves is identical to
/// the published file.
/// </summary>
[Collection(MediaCollection.Name)]
public sealed class LossRecoveryTests
{
    [FfmpegFact]
    public async Task Five_percent_loss_toward_a_subscriber_is_repaired_and_every_frame_arrives_identical()
    {
        var video = TestMedia.LongVp8();
        var saved = Path.Combine(TestMedia.TempDirectory(), "lossy.ivf");
        // This test is about NACK repair, so the node forwards without congestion control: GCC's loss-based part
        // reads 5 % random loss as congestion now and then (a report of 20 packets with 3 lost), and the estimate
        // can sink below this single-layer stream's rate and pause it (docs/congestion-control.md, known limits).
        await using var node = await TestNode.StartAsync("--CongestionControl", "false");

        var subscribing = Support.Cli.RunAsync("whep", new Uri(node.BaseUri, "/whep/lossy").ToString(), "--video-out", saved, "--duration", "11");
        SubscriberSession? session = null;
        await Poll.Until(() => node.Node.TryGetStream("lossy", out var s) && (session = s!.Subscribers.FirstOrDefault()) is not null
            && session.ConnectedAt is not null, "the subscriber to connect");
        var track = session!.Subscriptions.Single(t => t.Kind == MediaKind.Video);
        var random = new Random(4585);
        var dropped = 0;
        var droppedMedia = 0;

        // The link is lossy for the first 5 s of the 6 s clip only: a loss in the very last packets has no later
        // packet to reveal it (tail loss), which NACK cannot repair and is not what this test is about.
        var lossy = System.Diagnostics.Stopwatch.StartNew();
        node.Node.Mux.SendFilter = (datagram, _) =>
        {
            // SRTP leaves the RTP header in the clear: drop this subscriber's video and RTX packets, nothing else.
            if (datagram.Length < 12 || datagram[1] is >= 192 and <= 223)
            {
                return true;
            }

            var ssrc = BinaryPrimitives.ReadUInt32BigEndian(datagram[8..]);
            if ((ssrc != track.Ssrc && ssrc != track.RtxSsrc) || lossy.Elapsed > TimeSpan.FromSeconds(5))
            {
                return true;
            }

            lock (random)
            {
                if (random.NextDouble() >= 0.05)
                {
                    return true;
                }

                dropped++;
                droppedMedia += ssrc == track.Ssrc ? 1 : 0;
                return false;
            }
        };

        var (published, publishOutput) = await Support.Cli.RunAsync("whip", new Uri(node.BaseUri, "/whip/lossy").ToString(), "--video", video);
        var (subscribed, subscribeOutput) = await subscribing;

        Assert.True(published == 0, publishOutput);
        Assert.True(subscribed == 0, subscribeOutput);
        var sent = CliRoundTripTests.IvfFrames(video);
        var received = CliRoundTripTests.IvfFrames(saved);
        Assert.True(sent.Count == received.Count, $"{received.Count} of {sent.Count} frames saved; subscriber: {subscribeOutput}; publisher: {publishOutput}; dropped {dropped}, retransmitted {track.Retransmissions}; "
            + $"estimate {session.Downlink.EstimatedBitrate} (probes {session.Downlink.Estimator?.ProbesStarted}/{session.Downlink.Estimator?.ProbesSucceeded}, "
            + $"feedbacks {session.Downlink.Estimator?.FeedbacksReceived}), layer switches {track.LayerSwitches}");
        for (var i = 0; i < sent.Count; i++)
        {
            Assert.True(sent[i].SequenceEqual(received[i]), $"frame {i} differs after loss recovery: {subscribeOutput}");
        }

        Assert.True(dropped >= 15, $"only {dropped} packets were dropped: the test did not make the link lossy");
        // Every media packet dropped was resent (RTX packets dropped may be retransmissions, resent again, or the
        // node's bandwidth probes, which are not).
        Assert.True(track.Retransmissions >= droppedMedia, $"{track.Retransmissions} retransmissions for {droppedMedia} dropped media packets");
    }
}
