using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
using Sluice.Client.LiveKit;
using Sluice.Client.Publish;
using Sluice.LiveKit;

namespace Sluice.Cli.Commands;

/// <summary>
/// LiveKit's protocol from the command line, in the spirit of LiveKit's CLI: <c>join</c> publishes IVF/Ogg files into
/// a room over LiveKit's signalling (and with <c>--subscribe</c> receives the others, counting their packets), and <c>create-room</c>, <c>list-rooms</c>, <c>list-participants</c> and
/// <c>remove-participant</c> call the room service (Twirp JSON). Tokens are minted from <c>--api-key</c> /
/// <c>--api-secret</c> (LiveKit's development pair, devkey / secret, by default, as a node started with <c>--dev</c> takes).
/// </summary>
internal static class LiveKitCommands
{
    public static IEnumerable<Command> Create(CliEnvironment env)
    {
        yield return CreateJoin(env);
        yield return CreateRoomService(env, "create-room", "Create a room (it stays empty for --empty-timeout seconds)", "CreateRoom", withRoom: true);
        yield return CreateRoomService(env, "list-rooms", "List the rooms", "ListRooms", withRoom: false);
        yield return CreateRoomService(env, "list-participants", "List a room's participants", "ListParticipants", withRoom: true);
        yield return CreateRoomService(env, "remove-participant", "Remove a participant from a room", "RemoveParticipant", withRoom: true, withIdentity: true);
        yield return CreateLoad(env);
    }

    private static Command CreateLoad(CliEnvironment env)
    {
        var url = CliOptions.Url("The node, e.g. http://127.0.0.1:7777");
        var room = new Option<string>("--room") { Description = "The room to join", Required = true };
        var participants = new Option<int>("--participants") { Description = "Clients that join at once", DefaultValueFactory = _ => 50 };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for everyone to know everyone", DefaultValueFactory = _ => 30 };
        var (key, secret) = KeyOptions();
        CliOptions.RequireRange(participants, 2, 2000);
        CliOptions.RequirePositive(timeout);
        var command = new Command("livekit-load", "A join burst over LiveKit's signalling: N clients join a room at once; join times and messages per second")
            { url, room, participants, timeout, key, secret };
        command.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            var load = new Sluice.Cli.Load.LiveKitLoad(parse.GetRequiredValue(url), parse.GetRequiredValue(room), parse.GetValue(participants),
                parse.GetRequiredValue(key), parse.GetRequiredValue(secret), TimeSpan.FromSeconds(parse.GetValue(timeout)));
            var report = await load.RunAsync(cancellationToken).ConfigureAwait(false);
            await env.Out.WriteAsync(report).ConfigureAwait(false);
            return report.Contains("failure:", StringComparison.Ordinal) ? CliCommands.Failure : CliCommands.Success;
        });
        return command;
    }

    private static (Option<string> Key, Option<string> Secret) KeyOptions() =>
        (new Option<string>("--api-key") { Description = "LiveKit API key (Auth:ApiKeys on the node)", DefaultValueFactory = _ => "devkey" },
         new Option<string>("--api-secret") { Description = "Its secret", DefaultValueFactory = _ => "secret" });

    private static Command CreateJoin(CliEnvironment env)
    {
        var url = CliOptions.Url("The node, e.g. http://127.0.0.1:7777");
        var room = new Option<string>("--room") { Description = "The room to join", Required = true };
        var identity = new Option<string>("--identity") { Description = "Who joins", Required = true };
        var video = new Option<string?>("--video") { Description = "Video file to publish: IVF (VP8/VP9/AV1) or H264 Annex B" };
        var audio = new Option<string?>("--audio") { Description = "Audio file to publish: Ogg/Opus" };
        var loop = new Option<bool>("--loop") { Description = "Restart the files at their end" };
        var duration = new Option<double?>("--duration") { Description = "Seconds to stay (default: the files' end, or until Ctrl+C with --loop)" };
        var token = new Option<string?>("--token") { Description = "A LiveKit access token (instead of minting one from --api-key / --api-secret)" };
        var subscribe = new Option<bool>("--subscribe") { Description = "Receive the others' tracks too, and print the packets received from each" };
        var (key, secret) = KeyOptions();
        CliOptions.RequireExistingFile(video);
        CliOptions.RequireExistingFile(audio);
        var command = new Command("join", "Join a room over LiveKit's protocol, publish files and/or receive the others")
            { url, room, identity, video, audio, loop, duration, subscribe, token, key, secret };
        command.Validators.Add(result =>
        {
            if (result.GetValue(video) is null && result.GetValue(audio) is null && !result.GetValue(subscribe))
            {
                result.AddError("Give --video and/or --audio to publish, or --subscribe to receive: there is nothing to do.");
            }

            if (result.GetValue(video) is null && result.GetValue(audio) is null && result.GetValue(duration) is null)
            {
                result.AddError("Give --duration when only receiving: there are no files whose end ends the join.");
            }
        });
        command.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            var node = parse.GetRequiredValue(url);
            var accessToken = parse.GetValue(token) ?? AccessToken.Create(
                new AccessClaims(parse.GetRequiredValue(key), parse.GetRequiredValue(identity),
                    new VideoGrant { RoomJoin = true, Room = parse.GetRequiredValue(room), CanPublish = true, CanSubscribe = parse.GetValue(subscribe) })
                    { Name = parse.GetRequiredValue(identity) },
                parse.GetRequiredValue(secret), DateTimeOffset.UtcNow, TimeSpan.FromHours(6));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (parse.GetValue(duration) is { } seconds)
            {
                stop.CancelAfter(TimeSpan.FromSeconds(seconds));
            }

            var options = new WhipPublisherOptions(node)
            {
                VideoPath = parse.GetValue(video),
                AudioPath = parse.GetValue(audio),
                Loop = parse.GetValue(loop),
            };
            using var http = env.CreateHttpClient();
            await using var signalling = new LiveKitSignalling(node, accessToken, env.Out, parse.GetValue(subscribe));
            if (options.VideoPath is null && options.AudioPath is null)
            {
                // Only receiving: joined until --duration ends it (or Ctrl+C).
                if (await signalling.JoinAsync(stop.Token).ConfigureAwait(false) is { } refused)
                {
                    await env.Error.WriteLineAsync("join: " + refused).ConfigureAwait(false);
                    return CliCommands.Failure;
                }

                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await signalling.EndAsync(CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                var result = await new WhipPublisher(options, http, env.Out, signalling).RunAsync(stop.Token).ConfigureAwait(false);
                if (result.HttpError is { } error)
                {
                    await env.Error.WriteLineAsync("join: " + error.Describe()).ConfigureAwait(false);
                    return CliCommands.Failure;
                }

                if (result.Failure is { } failed)
                {
                    await env.Error.WriteLineAsync("join: " + failed).ConfigureAwait(false);
                    return CliCommands.Failure;
                }

                foreach (var (cid, sid) in signalling.TrackSids)
                {
                    await env.Out.WriteLineAsync($"track {cid}: {sid}").ConfigureAwait(false);
                }

                await env.Out.WriteLineAsync($"published {result.Stats.Packets} packets").ConfigureAwait(false);
            }

            foreach (var (publisher, packets, videoPackets, lost) in signalling.Received())
            {
                await env.Out.WriteLineAsync($"received from {publisher}: {packets} packets ({videoPackets} video), {lost} lost").ConfigureAwait(false);
            }

            return CliCommands.Success;
        });
        return command;
    }

    /// <summary>One room-service call: the request as JSON, the answer printed as the server gave it (proto field names).</summary>
    private static Command CreateRoomService(CliEnvironment env, string name, string description, string method, bool withRoom, bool withIdentity = false)
    {
        var url = CliOptions.Url("The node, e.g. http://127.0.0.1:7777");
        var room = new Option<string>("--room") { Description = "The room", Required = true };
        var identity = new Option<string>("--identity") { Description = "The participant", Required = true };
        var emptyTimeout = new Option<uint>("--empty-timeout") { Description = "Seconds an empty room stays (create-room)", DefaultValueFactory = _ => 300 };
        var (key, secret) = KeyOptions();
        var command = new Command(name, description) { url, key, secret };
        if (withRoom)
        {
            command.Add(room);
        }

        if (withIdentity)
        {
            command.Add(identity);
        }

        if (method == "CreateRoom")
        {
            command.Add(emptyTimeout);
        }

        command.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            var roomName = withRoom ? parse.GetRequiredValue(room) : null;
            var grant = method switch
            {
                "CreateRoom" => new VideoGrant { RoomCreate = true },
                "ListRooms" => new VideoGrant { RoomList = true },
                _ => new VideoGrant { RoomAdmin = true, Room = roomName },
            };
            var token = AccessToken.Create(new AccessClaims(parse.GetRequiredValue(key), "sluice-cli", grant), parse.GetRequiredValue(secret), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(10));
            var body = method switch
            {
                "CreateRoom" => System.Text.Json.JsonSerializer.Serialize(new { name = roomName, emptyTimeout = parse.GetValue(emptyTimeout) }),
                "ListRooms" => "{}",
                "RemoveParticipant" => System.Text.Json.JsonSerializer.Serialize(new { room = roomName, identity = parse.GetRequiredValue(identity) }),
                _ => System.Text.Json.JsonSerializer.Serialize(new { room = roomName }),
            };
            using var http = env.CreateHttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(parse.GetRequiredValue(url), "/twirp/livekit.RoomService/" + method))
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            try
            {
                using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    await env.Error.WriteLineAsync($"{name}: {(int)response.StatusCode} {text}").ConfigureAwait(false);
                    return CliCommands.Failure;
                }

                await env.Out.WriteLineAsync(text).ConfigureAwait(false);
                return CliCommands.Success;
            }
            catch (HttpRequestException e)
            {
                await env.Error.WriteLineAsync($"{name}: no response: {e.Message}").ConfigureAwait(false);
                return CliCommands.Failure;
            }
        });
        return command;
    }
}
