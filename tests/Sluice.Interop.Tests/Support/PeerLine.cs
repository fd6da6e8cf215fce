using System.Globalization;

namespace Sluice.Interop.Tests.Support;

/// <summary>
/// A peer program's machine-readable line, <c>key=value key=value …</c> (e.g. <c>second=7 video_packets=120 state=connected</c>).
/// </summary>
public sealed class PeerLine
{
    private readonly Dictionary<string, string> _fields;

    private PeerLine(string text, Dictionary<string, string> fields)
    {
        Text = text;
        _fields = fields;
    }

    public string Text { get; }

    public static PeerLine Parse(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                fields[part[..equals]] = part[(equals + 1)..];
            }
        }

        return new PeerLine(text, fields);
    }

    /// <summary>Whether <paramref name="text"/> is the line for <paramref name="second"/> (<c>second=N …</c>).</summary>
    public static bool IsSecond(string text, int second) => text.StartsWith($"second={second} ", StringComparison.Ordinal);

    public string this[string key] => _fields.TryGetValue(key, out var value)
        ? value
        : throw new KeyNotFoundException($"no {key}= in the peer's line \"{Text}\"");

    public long Number(string key) => long.Parse(this[key], CultureInfo.InvariantCulture);

    public double Real(string key) => double.Parse(this[key], CultureInfo.InvariantCulture);

    public override string ToString() => Text;
}
