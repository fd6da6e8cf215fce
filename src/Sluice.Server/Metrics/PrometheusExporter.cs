using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Sluice.Server.Metrics;

/// <summary>
/// Renders one <see cref="Meter"/>'s instruments in the Prometheus text exposition format 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/), fed by a <see cref="MeterListener"/>:
/// counters and histograms are aggregated as their measurements arrive, observable instruments are read at
/// scrape time. Instrument names map by replacing '.' with '_', counters gaining the "_total" suffix.
/// Only the given meter is listened to, so two nodes in one process (tests) never mix their series.
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    // OpenTelemetry's default explicit bucket boundaries, for histograms that give no advice.
    private static readonly double[] DefaultBoundaries = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    private readonly Lock _scrapeLock = new();
    private readonly List<InstrumentState> _instruments = [];

    public PrometheusExporter(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                var state = new InstrumentState(instrument);
                lock (_lock)
                {
                    _instruments.Add(state);
                }

                listener.EnableMeasurementEvents(instrument, state);
            }
        };
        _listener.MeasurementsCompleted = (instrument, state) =>
        {
            lock (_lock)
            {
                _instruments.Remove((InstrumentState)state!);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => Record((InstrumentState)state!, value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => Record((InstrumentState)state!, value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => Record((InstrumentState)state!, value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments and renders every series.</summary>
    public string Collect()
    {
        lock (_scrapeLock)
        {
            lock (_lock)
            {
                foreach (var instrument in _instruments)
                {
                    if (instrument.IsObservable)
                    {
                        // A series an observable no longer reports disappears, as Prometheus expects.
                        instrument.Series.Clear();
                    }
                }
            }

            _listener.RecordObservableInstruments();
            lock (_lock)
            {
                var text = new StringBuilder();
                foreach (var instrument in _instruments.OrderBy(i => i.Name, StringComparer.Ordinal))
                {
                    instrument.Render(text);
                }

                return text.ToString();
            }
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Record(InstrumentState state, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = FormatLabels(tags);
        lock (_lock)
        {
            state.Record(labels, value);
        }
    }

    /// <summary>Labels sorted by name, values escaped: the key of a series and its rendered label set.</summary>
    private static string FormatLabels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return string.Empty;
        }

        var sorted = tags.ToArray();
        Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var text = new StringBuilder();
        foreach (var (key, value) in sorted)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(SanitizeName(key)).Append("=\"");
            AppendEscaped(text, Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty, escapeQuotes: true);
            text.Append('"');
        }

        return text.ToString();
    }

    /// <summary>Metric and label names are [a-zA-Z_:][a-zA-Z0-9_:]*; anything else becomes '_'.</summary>
    private static string SanitizeName(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            if (!(char.IsAsciiLetter(c) || c == '_' || c == ':' || (i > 0 && char.IsAsciiDigit(c))))
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }

    /// <summary>HELP text escapes '\' and newline; label values also '"'.</summary>
    private static void AppendEscaped(StringBuilder text, string value, bool escapeQuotes)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '"' when escapeQuotes:
                    text.Append("\\\"");
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }
    }

    private static string FormatNumber(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private enum Kind
    {
        /// <summary>Counter: measurements are increments.</summary>
        Sum,

        /// <summary>Observable counter: measurements are the running total.</summary>
        ObservedTotal,

        /// <summary>Gauge, or up-down counter read whole: the last value.</summary>
        Gauge,

        /// <summary>Up-down counter: increments, exposed as a gauge.</summary>
        GaugeSum,

        Histogram,
    }

    private sealed class Series
    {
        public double Value;
        public long[] Buckets = [];
        public double Sum;
        public long Count;
    }

    private sealed class InstrumentState
    {
        private readonly Kind _kind;
        private readonly string? _description;
        private readonly double[] _boundaries = [];

        public InstrumentState(Instrument instrument)
        {
            var type = instrument.GetType();
            var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
            _kind = definition == typeof(Counter<>) ? Kind.Sum
                : definition == typeof(ObservableCounter<>) ? Kind.ObservedTotal
                : definition == typeof(UpDownCounter<>) ? Kind.GaugeSum
                : definition == typeof(Histogram<>) ? Kind.Histogram
                : Kind.Gauge;
            IsObservable = instrument.IsObservable;
            _description = instrument.Description;
            var name = SanitizeName(instrument.Name);
            Name = _kind is Kind.Sum or Kind.ObservedTotal && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
            if (_kind == Kind.Histogram)
            {
                var longBoundaries = (instrument as Histogram<long>)?.Advice?.HistogramBucketBoundaries;
                _boundaries = [.. (instrument as Histogram<double>)?.Advice?.HistogramBucketBoundaries
                    ?? longBoundaries?.Select(b => (double)b)
                    ?? DefaultBoundaries];
            }
        }

        public string Name { get; }

        public bool IsObservable { get; }

        public SortedDictionary<string, Series> Series { get; } = new(StringComparer.Ordinal);

        public void Record(string labels, double value)
        {
            if (!Series.TryGetValue(labels, out var series))
            {
                series = new Series { Buckets = _kind == Kind.Histogram ? new long[_boundaries.Length + 1] : [] };
                Series[labels] = series;
            }

            switch (_kind)
            {
                case Kind.Sum or Kind.GaugeSum:
                    series.Value += value;
                    break;
                case Kind.ObservedTotal or Kind.Gauge:
                    // Several measurements with one label set in one observation add up (OpenTelemetry does the same).
                    series.Value = IsObservable ? series.Value + value : value;
                    break;
                case Kind.Histogram:
                    // Buckets are upper bounds inclusive ("le"); the last one is +Inf.
                    var bucket = 0;
                    while (bucket < _boundaries.Length && value > _boundaries[bucket])
                    {
                        bucket++;
                    }

                    series.Buckets[bucket]++;
                    series.Sum += value;
                    series.Count++;
                    break;
            }
        }

        public void Render(StringBuilder text)
        {
            if (_description is { Length: > 0 })
            {
                text.Append("# HELP ").Append(Name).Append(' ');
                AppendEscaped(text, _description, escapeQuotes: false);
                text.Append('\n');
            }

            var type = _kind switch
            {
                Kind.Sum or Kind.ObservedTotal => "counter",
                Kind.Histogram => "histogram",
                _ => "gauge",
            };
            text.Append("# TYPE ").Append(Name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, series) in Series)
            {
                if (_kind != Kind.Histogram)
                {
                    AppendSample(text, Name, labels, null, FormatNumber(series.Value));
                    continue;
                }

                long cumulative = 0;
                for (var i = 0; i <= _boundaries.Length; i++)
                {
                    cumulative += series.Buckets[i];
                    var le = i < _boundaries.Length ? FormatNumber(_boundaries[i]) : "+Inf";
                    AppendSample(text, Name + "_bucket", labels, le, cumulative.ToString(CultureInfo.InvariantCulture));
                }

                AppendSample(text, Name + "_sum", labels, null, FormatNumber(series.Sum));
                AppendSample(text, Name + "_count", labels, null, series.Count.ToString(CultureInfo.InvariantCulture));
            }
        }

        private static void AppendSample(StringBuilder text, string name, string labels, string? le, string value)
        {
            text.Append(name);
            if (labels.Length > 0 || le is not null)
            {
                text.Append('{').Append(labels);
                if (le is not null)
                {
                    text.Append(labels.Length > 0 ? ",le=\"" : "le=\"").Append(le).Append('"');
                }

                text.Append('}');
            }

            text.Append(' ').Append(value).Append('\n');
        }
    }
}
