using System.Globalization;
using System.Text;

namespace Sluice.Server.Tests.Metrics;

/// <summary>
/// A strict reader of the Prometheus text exposition format 0.0.4, enough to check what /metrics serves:
/// every sample belongs to a family declared by a TYPE line before it, counters end in "_total",
/// histogram samples are _bucket (with le), _sum and _count, and no series appears twice.
/// </summary>
internal sealed class Exposition
{
    private Exposition(Dictionary<string, string> types, Dictionary<string, string> help, List<Sample> samples)
    {
        Types = types;
        Help = help;
        Samples = samples;
    }

    /// <summary>Family name to type (counter, gauge, histogram...).</summary>
    public Dictionary<string, string> Types { get; }

    public Dictionary<string, string> Help { get; }

    public List<Sample> Samples { get; }

    public static Exposition Parse(string text)
    {
        Assert.EndsWith("\n", text);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var help = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<Sample>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var rest = line["# HELP ".Length..];
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                help[rest[..space]] = rest[(space + 1)..];
            }
            else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.Equal(4, parts.Length);
                Assert.Contains(parts[3], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                Assert.True(types.TryAdd(parts[2], parts[3]), $"a second TYPE line for {parts[2]}");
                if (parts[3] == "counter")
                {
                    Assert.EndsWith("_total", parts[2]);
                }
            }
            else
            {
                Assert.False(line.StartsWith('#'), $"unexpected comment: {line}");
                var sample = ParseSample(line);
                var family = FamilyOf(sample.Name, types);
                Assert.True(family is not null, $"sample {sample.Name} has no TYPE line before it");
                if (types[family!] == "histogram")
                {
                    Assert.True(sample.Name != family, $"histogram {family} has a bare sample");
                    Assert.Equal(sample.Name == family + "_bucket", sample.Labels.ContainsKey("le"));
                }

                Assert.True(seen.Add(sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}")) + "}"), $"series repeated: {line}");
                samples.Add(sample);
            }
        }

        return new Exposition(types, help, samples);
    }

    /// <summary>The one sample named <paramref name="name"/> whose labels include <paramref name="labels"/>.</summary>
    public double Value(string name, params (string Key, string Value)[] labels)
    {
        var matches = Find(name, labels).ToList();
        Assert.True(matches.Count == 1, $"expected one sample {name} with [{string.Join(", ", labels)}], found {matches.Count}");
        return matches[0].Value;
    }

    /// <summary>The sum over every sample named <paramref name="name"/> whose labels include <paramref name="labels"/> (0 if none).</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) => Find(name, labels).Sum(s => s.Value);

    private IEnumerable<Sample> Find(string name, (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value));

    private static string? FamilyOf(string name, Dictionary<string, string> types)
    {
        if (types.ContainsKey(name))
        {
            return name;
        }

        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(name[..^suffix.Length], out var type) && type is "histogram" or "summary")
            {
                return name[..^suffix.Length];
            }
        }

        return null;
    }

    /// <summary>name{label="value",...} value: names [a-zA-Z_:][a-zA-Z0-9_:]*, values with \\, \" and \n escapes.</summary>
    private static Sample ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or ':'))
        {
            i++;
        }

        var name = line[..i];
        Assert.True(name.Length > 0 && !char.IsAsciiDigit(name[0]), $"bad metric name in: {line}");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var start = i;
                while (line[i] != '=')
                {
                    i++;
                }

                var key = line[start..i];
                Assert.Equal('"', line[i + 1]);
                i += 2;
                var value = new StringBuilder();
                while (line[i] != '"')
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] switch { 'n' => '\n', var c => c });
                    }
                    else
                    {
                        value.Append(line[i]);
                    }

                    i++;
                }

                i++;
                Assert.True(labels.TryAdd(key, value.ToString()), $"label {key} repeated in: {line}");
                if (line[i] == ',')
                {
                    i++;
                }
            }

            i++;
        }

        Assert.Equal(' ', line[i]);
        var number = line[(i + 1)..];
        var parsed = number switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new Sample(name, labels, parsed);
    }

    internal sealed record Sample(string Name, Dictionary<string, string> Labels, double Value)
    {
        public string Key => Name + "{" + string.Join(",", Labels.OrderBy(l => l.Key).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";
    }
}
