using System.CommandLine;
using System.Globalization;
using Sluice.Client.Publish;
using Sluice.Client.Room;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice-cli room URL --room R --id ID [--video F] [--audio F] [--loop] [--subscribe] [--duration S] [--token T]</c>:
/// joins a room the way weever-streaming's clients do: publishes the files (<c>POST /pub/{room}/{id}+{time}</c>) and/or
/// receives everyone else (<c>POST /sub/…</c>, renegotiated over the <c>control</c> channel), printing
/// <c>PUB_JOIN</c> / <c>PUB_LEFT</c> as they come and the packets received and lost per publisher at the end.
/// </summary>
internal static class RoomCommand
{
    public static Command Create(CliEnvironment env)
    {
        var url = CliOptions.Url("The node, e.g. http://127.0.0.1:7777");
        var room = new Option<string>("--room") { Description = "The room to join", Required = true };
        var id = new Option<string>("--id") { Description = "Who joins (a full id is made of it: ID+time)", Required = true };
        var video = new Option<string?>("--video") { Description = "Video file to publish: IVF (VP8/VP9/AV1) or H264 Annex B" };
        var audio = new Option<string?>("--audio") { Description = "Audio file to publish: Ogg/Opus" };
        var loop = new Option<bool>("--loop") { Description = "Restart the files at their end" };
        var subscribe = new Option<bool>("--subscribe") { Description = "Receive everyone else in the room" };
        var duration = new Option<double?>("--duration") { Description = "Seconds to stay (default: until Ctrl+C, or the files' end without --subscribe)" };
        var token = CliOptions.Token();
        CliOptions.RequireExistingFile(video);
        CliOptions.RequireExistingFile(audio);

        var command = new Command("room", "Join a room (weever-streaming's protocol): publish files and/or receive everyone else")
            { url, room, id, video, audio, loop, subscribe, duration, token };
        command.Validators.Add(result =>
        {
            if (result.GetValue(video) is null && result.GetValue(audio) is null && !result.GetValue(subscribe))
            {
                result.AddError("Give --video and/or --audio, and/or --subscribe: there is nothing to do.");
            }
        });
        command.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            var node = parse.GetRequiredValue(url);
            var fullId = parse.GetRequiredValue(id) + "+" + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            var roomName = Uri.EscapeDataString(parse.GetRequiredValue(room));
            var path = "/" + roomName + "/" + Uri.EscapeDataString(fullId);
            using var http = env.CreateHttpClient();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (parse.GetValue(duration) is { } seconds)
            {
                stop.CancelAfter(TimeSpan.FromSeconds(seconds));
            }

            await env.Out.WriteLineAsync($"room {parse.GetRequiredValue(room)} as {fullId}").ConfigureAwait(false);
            await using var subscriber = parse.GetValue(subscribe)
                ? new RoomSubscriber(new Uri(node, "/sub" + path), parse.GetValue(token), http, line => env.Out.WriteLine(line))
                : null;
            if (subscriber is not null && await subscriber.ConnectAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false) is { } failure)
            {
                await env.Error.WriteLineAsync("room: " + failure).ConfigureAwait(false);
                return CliCommands.Failure;
            }

            Task<PublishResult>? publishing = null;
            if (parse.GetValue(video) is not null || parse.GetValue(audio) is not null)
            {
                var options = new WhipPublisherOptions(new Uri(node, "/pub" + path))
                {
                    VideoPath = parse.GetValue(video),
                    AudioPath = parse.GetValue(audio),
                    Loop = parse.GetValue(loop),
                    Token = parse.GetValue(token),
                    Conference = true,
                };
                publishing = new WhipPublisher(options, http, TextWriter.Null).RunAsync(stop.Token);
            }

            var exit = CliCommands.Success;
            try
            {
                if (publishing is not null && subscriber is null)
                {
                    await publishing.ConfigureAwait(false);
                }
                else
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, stop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // The duration passed, or Ctrl+C.
            }

            if (publishing is not null)
            {
                var result = await publishing.ConfigureAwait(false);
                if (result.HttpError is { } error)
                {
                    await env.Error.WriteLineAsync("publish: " + error.Describe()).ConfigureAwait(false);
                    exit = CliCommands.Failure;
                }
                else if (result.Failure is { } failed)
                {
                    await env.Error.WriteLineAsync("publish: " + failed).ConfigureAwait(false);
                    exit = CliCommands.Failure;
                }
                else
                {
                    await env.Out.WriteLineAsync($"published {result.Stats.Packets} packets").ConfigureAwait(false);
                }
            }

            if (subscriber is not null)
            {
                await subscriber.StopAsync().ConfigureAwait(false);
                await env.Out.WriteLineAsync($"received ({subscriber.Offers} offers answered):").ConfigureAwait(false);
                foreach (var (publisher, packets, video, lost) in subscriber.Counts())
                {
                    await env.Out.WriteLineAsync(FormattableString.Invariant($"  {publisher}: {packets} packets ({video} video), {lost} lost")).ConfigureAwait(false);
                }
            }

            return exit;
        });
        return command;
    }
}
