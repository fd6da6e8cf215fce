using System.CommandLine;
using Sluice.Cli.Load;
using Sluice.Client.Publish;
using Sluice.Client.Subscribe;

namespace Sluice.Cli.Commands;

/// <summary>
/// The <c>sluice-cli</c> command line: <c>whip</c>, <c>whep</c>, <c>load</c>, <c>room</c>, <c>token</c>, and LiveKit's
/// <c>join</c>, <c>create-room</c>, <c>list-rooms</c>, <c>list-participants</c>, <c>remove-participant</c>.
/// </summary>
internal static class CliCommands
{
    public const int Success = 0;
    public const int Failure = 1;

    public static RootCommand Create(CliEnvironment env)
    {
        var root = new RootCommand("Sluice command-line client: publish files over WHIP, save a stream over WHEP, load-test a server, mint tokens.");
        root.Add(CreateWhip(env));
        root.Add(CreateWhep(env));
        root.Add(CreateLoad(env));
        root.Add(RoomCommand.Create(env));
        root.Add(TokenCommand.Create(env));
        foreach (var command in LiveKitCommands.Create(env))
        {
            root.Add(command);
        }

        return root;
    }

    private static Command CreateWhip(CliEnvironment env)
    {
        var url = CliOptions.Url("WHIP endpoint, e.g. http://127.0.0.1:7777/whip/my-stream");
        var video = new Option<string?>("--video") { Description = "Video file: IVF (VP8/VP9/AV1) or H264 Annex B (.h264/.264)" };
        var audio = new Option<string?>("--audio") { Description = "Audio file: Ogg/Opus" };
        var loop = new Option<bool>("--loop") { Description = "Restart the files at their end (until Ctrl+C)" };
        var fps = new Option<double>("--fps") { Description = "Frame rate of raw H264 files", DefaultValueFactory = _ => 30 };
        var token = CliOptions.Token();
        var (dataIn, dataOut, label) = DataOptions();
        CliOptions.RequireExistingFile(video);
        CliOptions.RequireExistingFile(audio);
        CliOptions.RequirePositive(fps);

        var command = new Command("whip", "Publish a video and/or audio file (and/or data channel messages) to a WHIP endpoint") { url, video, audio, loop, fps, token, dataIn, dataOut, label };
        command.Validators.Add(result =>
        {
            if (result.GetValue(video) is null && result.GetValue(audio) is null && result.GetValue(dataIn) is null && result.GetValue(dataOut) is null)
            {
                result.AddError("Give --video and/or --audio (or --data-in / --data-out): there is nothing to publish.");
            }
        });
        command.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            var options = new WhipPublisherOptions(parse.GetRequiredValue(url))
            {
                VideoPath = parse.GetValue(video),
                AudioPath = parse.GetValue(audio),
                Loop = parse.GetValue(loop),
                Fps = parse.GetValue(fps),
                Token = parse.GetValue(token),
                DataIn = parse.GetValue(dataIn),
                DataOut = parse.GetValue(dataOut),
                Label = parse.GetRequiredValue(label),
            };
            using var http = env.CreateHttpClient();
            var result = await new WhipPublisher(options, http, env.Out).RunAsync(cancellationToken).ConfigureAwait(false);
            if (result.HttpError is { } httpError)
            {
                await env.Error.WriteLineAsync($"WHIP POST {options.Endpoint} failed: {httpError.Describe()}").ConfigureAwait(false);
                return Failure;
            }

            if (result.Failure is { } failure)
            {
                await env.Error.WriteLineAsync("whip: " + failure).ConfigureAwait(false);
                return Failure;
            }

            await env.Out.WriteLineAsync("whip: " + result.Stats.Summary()).ConfigureAwait(false);
            return Success;
        });
        return command;
    }

    private static Command CreateWhep(CliEnvironment env)
    {
        var url = CliOptions.Url("WHEP endpoint, e.g. http://127.0.0.1:7777/whep/my-stream");
        var videoOut = new Option<string?>("--video-out") { Description = "Write video here: IVF, or raw H264 when the name ends in .h264" };
        var audioOut = new Option<string?>("--audio-out") { Description = "Write audio here as Ogg/Opus" };
        var duration = new Option<double?>("--duration") { Description = "Stop after this many seconds (default: at Ctrl+C)" };
        var token = CliOptions.Token();
        var (dataIn, dataOut, label) = DataOptions();
        CliOptions.RequirePositive(duration);

        var noReconnect = new Option<bool>("--no-reconnect") { Description = "Stop when the session fails, instead of POSTing again (with backoff) to the endpoint or a fallback" };
        var fallbacks = new Option<Uri[]>("--fallback") { Description = "Another node's WHEP endpoint for the stream, tried when reconnecting (repeatable)", AllowMultipleArgumentsPerToken = false };
        var command = new Command("whep", "Receive a stream from a WHEP endpoint and save it to files; reconnects by itself") { url, videoOut, audioOut, duration, token, dataIn, dataOut, label, noReconnect, fallbacks };
        command.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            var endpoint = parse.GetRequiredValue(url);
            using var http = env.CreateHttpClient();
            using var sink = new FileSink(parse.GetValue(videoOut), parse.GetValue(audioOut));
            var subscriber = new WhepSubscriber(new WhepSubscriberOptions(endpoint)
            {
                Token = parse.GetValue(token),
                DataIn = parse.GetValue(dataIn),
                DataOut = parse.GetValue(dataOut),
                Label = parse.GetRequiredValue(label),
                Reconnect = !parse.GetValue(noReconnect),
                Fallbacks = parse.GetValue(fallbacks) ?? [],
            }, http, sink);

            // The layers received over time, as picture sizes (a simulcast or SVC layer switch changes the size).
            var sizes = new System.Collections.Concurrent.ConcurrentQueue<string>();
            subscriber.PictureSizeChanged += (at, width, height) => sizes.Enqueue($"{width}x{height} from {at.TotalSeconds:0.0} s");
            try
            {
                var connect = await subscriber.ConnectAsync(cancellationToken).ConfigureAwait(false);
                if (!connect.Succeeded)
                {
                    var what = connect.HttpError is not null ? $"WHEP POST {endpoint} failed: " : "whep: ";
                    await env.Error.WriteLineAsync(what + connect.Describe()).ConfigureAwait(false);
                    return Failure;
                }

                await env.Out.WriteLineAsync($"whep: receiving, session {subscriber.Location}").ConfigureAwait(false);
                try
                {
                    var seconds = parse.GetValue(duration);
                    var lines = subscriber.Data is { } data && parse.GetValue(dataIn) is { } input ? data.SendLinesAsync(input, cancellationToken) : Task.CompletedTask;
                    await Task.Delay(seconds is { } s ? TimeSpan.FromSeconds(s) : Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
                    await lines.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C ends the recording normally.
                }
            }
            finally
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                var deleteError = await subscriber.StopAsync(timeout.Token).ConfigureAwait(false);
                if (deleteError is not null)
                {
                    await env.Error.WriteLineAsync("whep: DELETE failed: " + deleteError.Describe()).ConfigureAwait(false);
                }
            }

            var stats = subscriber.GetStats();
            await env.Out.WriteLineAsync("whep: " + stats.Summary()).ConfigureAwait(false);
            if (!sizes.IsEmpty)
            {
                await env.Out.WriteLineAsync("whep: video " + string.Join(", ", sizes)).ConfigureAwait(false);
            }

            if (subscriber.Reconnects > 0)
            {
                await env.Out.WriteLineAsync(FormattableString.Invariant(
                    $"whep: reconnected {subscriber.Reconnects} times, longest gap without media {subscriber.LongestGap.TotalMilliseconds:0} ms")).ConfigureAwait(false);
            }

            if (subscriber.Data is { } received)
            {
                await env.Out.WriteLineAsync($"whep: data: {received.MessagesSent} sent, {received.MessagesReceived} received").ConfigureAwait(false);
            }
            if (sink.Error is { } writeError)
            {
                await env.Error.WriteLineAsync("whep: " + writeError).ConfigureAwait(false);
                return Failure;
            }

            return Success;
        });
        return command;
    }

    /// <summary>An integer option's value as given (0 when absent), or false when it is malformed or a required one is missing.</summary>
    private static bool Count(System.CommandLine.Parsing.OptionResult? option, bool required, out int value)
    {
        value = 0;
        if (option is null || option.Tokens.Count == 0)
        {
            return !required;
        }

        return int.TryParse(option.Tokens[0].Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The data channel options of whip and whep.</summary>
    private static (Option<string?> In, Option<string?> Out, Option<string> Label) DataOptions()
    {
        var dataIn = new Option<string?>("--data-in") { Description = "Send each line of this file (- for stdin) as a text message on the data channel --label" };
        var dataOut = new Option<string?>("--data-out") { Description = "Write each data channel message received as a JSON line to this file (- for stdout): time, label, text or binary (base64)" };
        var label = new Option<string>("--label") { Description = "Label of the data channel --data-in sends on", DefaultValueFactory = _ => "chat" };
        return (dataIn, dataOut, label);
    }

    private static Command CreateLoad(CliEnvironment env)
    {
        var url = CliOptions.Url("WHEP endpoint, e.g. http://127.0.0.1:7777/whep/my-stream; with --room, the node, e.g. http://127.0.0.1:7777");
        var subscribers = new Option<int>("--subscribers") { Description = "Number of concurrent subscribers", Required = true };
        var duration = new Option<double>("--duration") { Description = "Seconds to stay connected", Required = true };
        var batch = new Option<int>("--batch") { Description = "Subscribers started at a time", DefaultValueFactory = _ => 20 };
        var token = CliOptions.Token();
        var room = new Option<string?>("--room") { Description = "Load a room (weever-streaming's protocol) instead of a stream" };
        var publishers = new Option<int>("--publishers") { Description = "With --room: publishers of --video/--audio (looped) that join first", DefaultValueFactory = _ => 0 };
        var video = new Option<string?>("--video") { Description = "With --room: the publishers' video file" };
        var audio = new Option<string?>("--audio") { Description = "With --room: the publishers' audio file" };
        CliOptions.RequireRange(subscribers, 0, 10000);
        CliOptions.RequireRange(publishers, 0, 1000);
        CliOptions.RequireRange(batch, 1, 1000);
        CliOptions.RequirePositive(duration);
        CliOptions.RequireExistingFile(video);
        CliOptions.RequireExistingFile(audio);

        var command = new Command("load", "Load-test a stream with many WHEP subscribers, or a room with publishers and subscribers")
            { url, subscribers, duration, batch, token, room, publishers, video, audio };
        command.Validators.Add(result =>
        {
            // Only once the counts themselves parsed: a missing or malformed one has its own error already.
            if (!Count(result.GetResult(subscribers), required: true, out var subscriberCount) || !Count(result.GetResult(publishers), required: false, out var publisherCount))
            {
                return;
            }

            if (result.GetValue(room) is null && (publisherCount > 0 || subscriberCount < 1))
            {
                result.AddError("Without --room, give --subscribers 1 or more and no --publishers.");
            }

            if (publisherCount > 0 && result.GetValue(video) is null && result.GetValue(audio) is null)
            {
                result.AddError("--publishers needs --video and/or --audio to publish.");
            }
        });
        command.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            if (parse.GetValue(room) is { } roomName)
            {
                var roomOptions = new RoomLoadOptions(parse.GetRequiredValue(url), roomName, parse.GetValue(publishers), parse.GetValue(subscribers),
                    TimeSpan.FromSeconds(parse.GetValue(duration)))
                {
                    VideoPath = parse.GetValue(video),
                    AudioPath = parse.GetValue(audio),
                    Token = parse.GetValue(token),
                    BatchSize = parse.GetValue(batch),
                };
                using var roomHttp = env.CreateHttpClient();
                await env.Out.WriteAsync(await new RoomLoad(roomOptions, roomHttp, env.Out).RunAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                return Success;
            }

            var options = new LoadTesterOptions(parse.GetRequiredValue(url), parse.GetValue(subscribers), TimeSpan.FromSeconds(parse.GetValue(duration)))
            {
                Token = parse.GetValue(token),
                BatchSize = parse.GetValue(batch),
            };
            using var http = env.CreateHttpClient();
            var report = await new LoadTester(options, http, env.Out).RunAsync(cancellationToken).ConfigureAwait(false);
            await env.Out.WriteAsync(report.ToTable()).ConfigureAwait(false);
            return report.Connected > 0 ? Success : Failure;
        });
        return command;
    }
}
