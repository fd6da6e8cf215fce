using System.Text;

namespace Sluice.Rtc.Sdp;

/// <summary>
/// The lines of one parsed section (session part or one m= section) in their original order, each with its
/// canonical text, that is what <see cref="SdpWriter"/> would write for the same typed value.
/// Writing merges: an original line whose canonical text the model still produces is written byte for byte;
/// a line the model no longer produces (removed or edited) is dropped; a produced line with no original
/// (added or edited) goes right after the line the writer produces before it.
/// </summary>
internal sealed class SdpLayout
{
    private readonly List<string> _canonical = [];
    private readonly List<string> _raw = [];

    public void Add(string canonical, string raw)
    {
        _canonical.Add(canonical);
        _raw.Add(raw);
    }

    /// <summary>Writes <paramref name="generated"/> (canonical order) using <paramref name="layout"/>'s order and text where they agree.</summary>
    public static void Write(SdpLayout? layout, List<string> generated, StringBuilder sb)
    {
        if (layout is null)
        {
            foreach (var line in generated)
            {
                sb.Append(line).Append("\r\n");
            }

            return;
        }

        // Keys are (canonical text, occurrence) so that repeated identical lines pair up one to one.
        var originalSlot = new Dictionary<(string, int), int>();
        var seen = new Dictionary<string, int>();
        for (var i = 0; i < layout._canonical.Count; i++)
        {
            originalSlot[(layout._canonical[i], Occurrence(seen, layout._canonical[i]))] = i;
        }

        var present = new bool[layout._canonical.Count];
        var after = new List<string>?[layout._canonical.Count];
        var head = new List<string>();
        var last = -1;
        seen.Clear();
        foreach (var line in generated)
        {
            if (originalSlot.TryGetValue((line, Occurrence(seen, line)), out var slot))
            {
                present[slot] = true;
                last = slot;
            }
            else if (last < 0)
            {
                head.Add(line);
            }
            else
            {
                (after[last] ??= []).Add(line);
            }
        }

        foreach (var line in head)
        {
            sb.Append(line).Append("\r\n");
        }

        for (var i = 0; i < present.Length; i++)
        {
            if (present[i])
            {
                sb.Append(layout._raw[i]).Append("\r\n");
            }

            if (after[i] is { } added)
            {
                foreach (var line in added)
                {
                    sb.Append(line).Append("\r\n");
                }
            }
        }
    }

    private static int Occurrence(Dictionary<string, int> seen, string line)
    {
        seen.TryGetValue(line, out var n);
        seen[line] = n + 1;
        return n;
    }
}
