namespace Sluice.Server;

/// <summary>
/// Turns the documented flags into configuration keys: <c>--config FILE</c> (a JSON file), <c>--listen</c>, <c>--udp-port</c>, and the repeatable
/// <c>--announce-ip</c> and <c>--ice-server</c> (which .NET's command-line provider cannot repeat), <c>--dev</c>. Anything
/// else passes through as <c>--Key value</c>, so every option can be set from the command line.
/// </summary>
internal static class CommandLine
{
    public static Dictionary<string, string?> ToConfiguration(string[] args, out List<string> rest, out string? configFile)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        rest = [];
        configFile = null;
        var announce = 0;
        var iceServers = 0;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--dev")
            {
                // As livekit-server --dev: LiveKit's development key pair is accepted (and said loudly at start).
                values["Auth:DevKeys"] = "true";
                continue;
            }

            var start = i;
            var (name, value) = Split(args, ref i);
            switch (name)
            {
                case "--config":
                    configFile = Required(name, value);
                    break;
                case "--listen":
                    values["Listen"] = Required(name, value);
                    break;
                case "--udp-port":
                    values["UdpPort"] = Required(name, value);
                    break;
                case "--announce-ip":
                    values[$"AnnounceIp:{announce++}"] = Required(name, value);
                    break;
                case "--ice-server":
                    var server = IceServer.Parse(Required(name, value));
                    values[$"IceServers:{iceServers}:Urls"] = server.Urls;
                    values[$"IceServers:{iceServers}:Username"] = server.Username;
                    values[$"IceServers:{iceServers}:Credential"] = server.Credential;
                    iceServers++;
                    break;
                default:
                    rest.AddRange(args[start..(i + 1)]);
                    break;
            }
        }

        return values;
    }

    private static (string Name, string? Value) Split(string[] args, ref int i)
    {
        var arg = args[i];
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        if (equals > 0)
        {
            return (arg[..equals], arg[(equals + 1)..]);
        }

        if (arg.StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            return (arg, args[++i]);
        }

        return (arg, null);
    }

    private static string Required(string name, string? value) =>
        value ?? throw new ArgumentException($"{name} needs a value, e.g. {name} {Example(name)}");

    private static string Example(string name) => name switch
    {
        "--listen" => "0.0.0.0:7777",
        "--udp-port" => "7777",
        "--announce-ip" => "203.0.113.10",
        "--config" => "sluice.json",
        _ => "stun:stun.example.org:3478",
    };
}
