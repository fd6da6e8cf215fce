using Sluice.Media.Containers;
using Sluice.Server.Tests.Support;
using Sluice.Testing;

namespace Sluice.Server.Tests.Cli;

/// <summary>
/// The CLI publishes a file over WHIP, the CLI subscribes over WHEP and saves what it receives: every frame
/// saved is identical to the one published, for each video codec and for Opus.
/// </summary>
[Collection(MediaCollection.Name)]
public sealed class CliRoundTripTests
{
    [FfmpegTheory]
    [InlineData("VP8")]
    [InlineData("VP9")]
    [InlineData("AV1")]
    [InlineData("H264")]
    public async Task The_cli_publishes_a_file_and_the_cli_saves_identical_frames(string codec)
    {
        var video = TestMedia.Video(codec);
        var audio = TestMedia.Opus();
        var output = TestMedia.TempDirectory();
        var videoOut = Path.Combine(output, codec == "H264" ? "out.h264" : "out.ivf");
        var audioOut = Path.Combine(output, "out.opus");
        await using var node = await TestNode.StartAsync();
        var stream = "file-" + codec.ToLowerInvariant();

        // The subscriber comes first: it gets the media as soon as the publisher starts.
        var subscriber = Support.Cli.RunAsync("whep", new Uri(node.BaseUri, $"/whep/{stream}").ToString(),
            "--video-out", videoOut, "--audio-out", audioOut, "--duration", "7");
        await Poll.Until(() => node.Node.TryGetStream(stream, out var s) && s!.Subscribers.Length == 1, "the subscriber's session");
        var (published, publishOutput) = await Support.Cli.RunAsync("whip", new Uri(node.BaseUri, $"/whip/{stream}").ToString(), "--video", video, "--audio", audio);
        var (subscribed, subscribeOutput) = await subscriber;

        Assert.True(published == 0, publishOutput);
        Assert.True(subscribed == 0, subscribeOutput);
        var sent = codec == "H264" ? AccessUnits(video) : IvfFrames(video);
        var saved = codec == "H264" ? AccessUnits(videoOut) : IvfFrames(videoOut);
        Assert.True(sent.Count >= 89, $"the test file has only {sent.Count} frames");
        Assert.True(sent.Count == saved.Count, $"{saved.Count} of {sent.Count} frames saved; the subscriber said: {subscribeOutput}");
        for (var i = 0; i < sent.Count; i++)
        {
            Assert.True(sent[i].SequenceEqual(saved[i]), $"{codec} frame {i} differs ({sent[i].Length} bytes sent, {saved[i].Length} saved)");
        }

        if (codec is "VP8" or "VP9")
        {
            // The saved file's header carries the picture size, read from the first keyframe.
            using var reader = new IvfReader(File.OpenRead(videoOut));
            Assert.Equal((320, 240), (reader.Header.Width, reader.Header.Height));

            // And the subscriber prints the sizes it received over time: one layer here.
            Assert.Matches(@"whep: video 320x240 from [0-9.]+ s\r?\n", subscribeOutput);
        }

        var sentAudio = OpusPackets(audio);
        var savedAudio = OpusPackets(audioOut);
        Assert.Equal(sentAudio.Count, savedAudio.Count);
        for (var i = 0; i < sentAudio.Count; i++)
        {
            Assert.True(sentAudio[i].SequenceEqual(savedAudio[i]), $"Opus packet {i} differs");
        }
    }

    internal static List<byte[]> IvfFrames(string path)
    {
        using var reader = new IvfReader(File.OpenRead(path));
        var frames = new List<byte[]>();
        while (reader.TryReadFrame(out var frame))
        {
            frames.Add(frame!.Data);
        }

        return frames;
    }

    /// <summary>Access units as their NAL units joined with one-byte separators: start-code length does not matter.</summary>
    internal static List<byte[]> AccessUnits(string path)
    {
        using var reader = new H264AnnexBReader(File.OpenRead(path));
        var units = new List<byte[]>();
        while (reader.TryReadAccessUnit(out var nals))
        {
            units.Add([.. nals!.SelectMany(n => n.Prepend((byte)0xFF))]);
        }

        return units;
    }

    internal static List<byte[]> OpusPackets(string path)
    {
        using var reader = new OggOpusReader(File.OpenRead(path));
        var packets = new List<byte[]>();
        while (reader.TryReadPacket(out var packet))
        {
            packets.Add(packet!.Data);
        }

        return packets;
    }
}

/// <summary>Media tests run one at a time: each encodes, paces and decodes real media on a 2-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MediaCollection
{
    public const string Name = "Media";
}
