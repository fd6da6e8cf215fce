using Sluice.Client.Publish;
using Sluice.Client.Subscribe;
using Sluice.Server.Tests.Support;
using Sluice.Testing;

namespace Sluice.Server.Tests.Interop;

/// <summary>Our CLI and Chromium on opposite ends of a node: each must accept what the other sends.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class ChromiumCliTests
{
    [ChromiumFact]
    public async Task Chromium_publishes_and_the_cli_saves_a_file_ffmpeg_plays()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var browser = chromium.Browser;
        var publisher = await BrowserSession.OpenAsync(browser, node.BaseUri);
        await publisher.PublishAsync("chromium-to-cli", "VP8");
        await publisher.WaitConnectedAsync();
        var output = TestMedia.TempDirectory();
        var video = Path.Combine(output, "saved.ivf");
        var audio = Path.Combine(output, "saved.opus");

        var (exit, printed) = await Support.Cli.RunAsync("whep", new Uri(node.BaseUri, "/whep/chromium-to-cli").ToString(),
            "--video-out", video, "--audio-out", audio, "--duration", "4");

        Assert.True(exit == 0, printed);
        Assert.Contains("lost 0", printed, StringComparison.Ordinal);
        var frames = CountFrames(video, "v");
        var packets = CountFrames(audio, "a");
        Assert.True(frames >= 60, $"ffmpeg decoded {frames} video frames from 4 s: {printed}");
        Assert.True(packets >= 150, $"ffmpeg decoded {packets} audio frames from 4 s: {printed}");
    }

    [ChromiumFact]
    public async Task The_cli_publishes_a_file_and_chromium_decodes_it()
    {
        await using var node = await TestNode.StartAsync();
        using var publishing = new CancellationTokenSource();
        using var http = new HttpClient();
        var publisher = new WhipPublisher(new WhipPublisherOptions(new Uri(node.BaseUri, "/whip/cli-to-chromium"))
        {
            VideoPath = TestMedia.Video("VP8"),
            AudioPath = TestMedia.Opus(),
            Loop = true,
        }, http);
        var run = publisher.RunAsync(publishing.Token);
        await using var chromium = await Chromium.StartAsync();
        var browser = chromium.Browser;
        try
        {
            var player = await BrowserSession.OpenAsync(browser, node.BaseUri);
            await player.PlayAsync("cli-to-chromium");
            await player.WaitConnectedAsync();

            var stats = await player.WaitInboundAsync(
                s => s.TryGetValue("video", out var v) && v.FramesDecoded >= 60 && s.TryGetValue("audio", out var a) && a.PacketsReceived >= 100,
                TimeSpan.FromSeconds(30), "frames from the CLI decoded by Chromium");
            Assert.Equal("video/VP8", stats["video"].MimeType, ignoreCase: true);
            Assert.Equal(0, stats["video"].PacketsLost);
        }
        finally
        {
            await publishing.CancelAsync();
            await run;
        }
    }

    [ChromiumFact]
    public async Task A_subscriber_joining_five_seconds_in_decodes_its_first_frame_within_a_second()
    {
        await using var node = await TestNode.StartAsync();
        await using var chromium = await Chromium.StartAsync();
        var browser = chromium.Browser;
        var publisher = await BrowserSession.OpenAsync(browser, node.BaseUri);
        await publisher.PublishAsync("late", "VP8");
        await publisher.WaitConnectedAsync();
        await Task.Delay(TimeSpan.FromSeconds(5));

        var output = TestMedia.TempDirectory();
        using var http = new HttpClient();
        using var sink = new FileSink(Path.Combine(output, "late.ivf"), null);
        await using var subscriber = new WhepSubscriber(new WhepSubscriberOptions(new Uri(node.BaseUri, "/whep/late")) { Audio = false }, http, sink);
        var connected = await subscriber.ConnectAsync(CancellationToken.None);
        Assert.True(connected.HttpError is null && connected.Failure is null, connected.Failure ?? connected.HttpError?.ToString());
        await Poll.Until(() => subscriber.GetStats().FirstFrameTime is not null, "the late subscriber's first frame");
        await subscriber.StopAsync(CancellationToken.None);

        var first = subscriber.GetStats().FirstFrameTime!.Value;
        Assert.True(first < TimeSpan.FromSeconds(1), $"first frame {first.TotalMilliseconds:0} ms after the POST");
    }

    /// <summary>How many frames of stream type <paramref name="streamType"/> ffprobe decodes: the file plays.</summary>
    private static int CountFrames(string path, string streamType)
    {
        var (exit, output) = Ffmpeg.Run(Ffmpeg.ProbePath,
            $"-v error -count_frames -select_streams {streamType}:0 -show_entries stream=nb_read_frames -of csv=p=0 \"{path}\"");
        Assert.True(exit == 0, $"ffprobe failed on {path}: {output}");
        return int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
