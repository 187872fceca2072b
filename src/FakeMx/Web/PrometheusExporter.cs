using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using FakeMx.Hosting;

namespace FakeMx.Web;

/// <summary>
/// Exports the <see cref="FakeMxMetrics"/> meter in the Prometheus text format (0.0.4). It
/// listens to that one meter instance only, so two hosts in one process never mix figures.
/// Names follow the OpenTelemetry-to-Prometheus rules: dots become underscores, the unit is
/// appended (<c>s</c> becomes <c>_seconds</c>, annotations such as <c>{session}</c> are
/// dropped), and counters end in <c>_total</c>. Counters export as counters, up-down counters
/// and observable gauges as gauges, histograms with cumulative buckets, sum and count.
/// </summary>
/// <remarks>
/// Recording is lock-free for counters (one interlocked add on a cached series); a histogram
/// series takes its own small lock. A series is keyed by up to three label values, which are
/// FakeMX's fixed label strings, so recording allocates nothing once a series exists.
/// </remarks>
public sealed class PrometheusExporter : IDisposable
{
    /// <summary>The media type Prometheus expects for this format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Meter _meter;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Exported> _instruments = new();

    public PrometheusExporter(FakeMxMetrics metrics)
    {
        _meter = metrics.Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, _meter))
            {
                var exported = _instruments.GetOrAdd(instrument, i => new Exported(i));
                listener.EnableMeasurementEvents(instrument, exported);
            }
        };
        _listener.MeasurementsCompleted = (instrument, state) => _instruments.TryRemove(instrument, out _);
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) =>
            ((Exported)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) =>
            ((Exported)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) =>
            ((Exported)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Writes every metric of the meter, sorted by name, observable ones read now.</summary>
    public string Scrape()
    {
        _listener.RecordObservableInstruments();
        var text = new StringBuilder(4096);
        foreach (var exported in _instruments.Values.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            exported.WriteTo(text);
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>The Prometheus name of an instrument: see the class summary for the rules.</summary>
    public static string NameOf(Instrument instrument)
    {
        var name = new StringBuilder(instrument.Name.Length + 16);
        foreach (var c in instrument.Name)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || c == ':' ? c : '_');
        }

        var unit = UnitName(instrument.Unit);
        if (unit.Length > 0 && !name.ToString().EndsWith("_" + unit, StringComparison.Ordinal))
        {
            name.Append('_').Append(unit);
        }

        if (KindOf(instrument) == Kind.Counter)
        {
            name.Append("_total");
        }

        return name.ToString();
    }

    private static string UnitName(string? unit) => unit switch
    {
        null or "" or "1" => string.Empty,
        "s" => "seconds",
        "ms" => "milliseconds",
        "By" => "bytes",
        _ when unit.StartsWith('{') => string.Empty,
        _ => unit.ToLowerInvariant(),
    };

    private static Kind KindOf(Instrument instrument)
    {
        var type = instrument.GetType();
        var generic = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (generic == typeof(Counter<>) || generic == typeof(ObservableCounter<>))
        {
            return Kind.Counter;
        }

        return generic == typeof(Histogram<>) ? Kind.Histogram : Kind.Gauge;
    }

    private static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private enum Kind
    {
        Counter,
        Gauge,
        Histogram,
    }

    /// <summary>Up to three label pairs, compared by value: the key of one series.</summary>
    private readonly record struct LabelSet(
        string? Key1, string? Value1, string? Key2, string? Value2, string? Key3, string? Value3)
    {
        public static LabelSet From(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            // XXX: labels past the third are ignored; FakeMX's instruments carry at most three.
            static string? Value(object? value) => value as string ?? value?.ToString();
            return tags.Length switch
            {
                0 => default,
                1 => new(tags[0].Key, Value(tags[0].Value), null, null, null, null),
                2 => new(tags[0].Key, Value(tags[0].Value), tags[1].Key, Value(tags[1].Value), null, null),
                _ => new(tags[0].Key, Value(tags[0].Value), tags[1].Key, Value(tags[1].Value),
                    tags[2].Key, Value(tags[2].Value)),
            };
        }

        public void WriteTo(StringBuilder text, string? extraKey = null, string? extraValue = null)
        {
            if (Key1 is null && extraKey is null)
            {
                return;
            }

            text.Append('{');
            var first = true;
            Pair(text, Key1, Value1, ref first);
            Pair(text, Key2, Value2, ref first);
            Pair(text, Key3, Value3, ref first);
            Pair(text, extraKey, extraValue, ref first);
            text.Append('}');
        }

        private static void Pair(StringBuilder text, string? key, string? value, ref bool first)
        {
            if (key is null)
            {
                return;
            }

            if (!first)
            {
                text.Append(',');
            }

            first = false;
            text.Append(key).Append("=\"");
            foreach (var c in value ?? string.Empty)
            {
                text.Append(c switch
                {
                    '\\' => "\\\\",
                    '"' => "\\\"",
                    '\n' => "\\n",
                    _ => c.ToString(),
                });
            }

            text.Append('"');
        }
    }

    /// <summary>One instrument and its series.</summary>
    private sealed class Exported
    {
        private readonly ConcurrentDictionary<LabelSet, Series> _series = new();
        private readonly Kind _kind;
        private readonly bool _observable;
        private readonly string _help;
        private readonly double[] _buckets;

        public Exported(Instrument instrument)
        {
            _kind = KindOf(instrument);
            _observable = instrument.IsObservable;
            Name = NameOf(instrument);
            var unit = UnitName(instrument.Unit);
            _help = (instrument.Description ?? instrument.Name) + (unit.Length > 0 ? $" Unit: {unit}." : string.Empty);
            _buckets = (instrument as Histogram<double>)?.Advice?.HistogramBucketBoundaries?.ToArray()
                ?? (instrument as Histogram<long>)?.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray()
                ?? DefaultBuckets;
        }

        public string Name { get; }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = LabelSet.From(tags);
            if (!_series.TryGetValue(labels, out var series))
            {
                series = _series.GetOrAdd(labels, _ => new Series(_buckets.Length));
            }

            if (_kind == Kind.Histogram)
            {
                series.Observe(value, _buckets);
            }
            else if (_observable)
            {
                series.Set(value);
            }
            else
            {
                series.Add(value);
            }
        }

        public void WriteTo(StringBuilder text)
        {
            var type = _kind switch
            {
                Kind.Counter => "counter",
                Kind.Histogram => "histogram",
                _ => "gauge",
            };
            text.Append("# HELP ").Append(Name).Append(' ')
                .Append(_help.Replace("\\", "\\\\").Replace("\n", "\\n")).Append('\n');
            text.Append("# TYPE ").Append(Name).Append(' ').Append(type).Append('\n');

            if (_series.IsEmpty && _kind == Kind.Gauge && !_observable)
            {
                // An up-down counter nobody moved yet is a gauge at zero, not a missing one.
                text.Append(Name).Append(" 0\n");
            }

            foreach (var (labels, series) in _series.OrderBy(s => s.Key.ToString(), StringComparer.Ordinal))
            {
                if (_kind == Kind.Histogram)
                {
                    series.WriteHistogram(text, Name, labels, _buckets);
                    continue;
                }

                text.Append(Name);
                labels.WriteTo(text);
                text.Append(' ').Append(Number(series.Value)).Append('\n');
            }
        }
    }

    /// <summary>One series: a running value, or a histogram's buckets, sum and count.</summary>
    private sealed class Series
    {
        private readonly long[] _bucketCounts;
        private double _value;
        private double _sum;
        private long _count;

        public Series(int buckets)
        {
            _bucketCounts = new long[buckets + 1];
        }

        public double Value => Volatile.Read(ref _value);

        public void Add(double amount)
        {
            var current = Volatile.Read(ref _value);
            while (true)
            {
                var seen = Interlocked.CompareExchange(ref _value, current + amount, current);
                if (seen.Equals(current))
                {
                    return;
                }

                current = seen;
            }
        }

        public void Set(double value) => Volatile.Write(ref _value, value);

        public void Observe(double value, double[] bounds)
        {
            var index = 0;
            while (index < bounds.Length && value > bounds[index])
            {
                index++;
            }

            lock (_bucketCounts)
            {
                _bucketCounts[index]++;
                _sum += value;
                _count++;
            }
        }

        public void WriteHistogram(StringBuilder text, string name, LabelSet labels, double[] bounds)
        {
            long[] counts;
            double sum;
            long count;
            lock (_bucketCounts)
            {
                counts = (long[])_bucketCounts.Clone();
                sum = _sum;
                count = _count;
            }

            long cumulative = 0;
            for (var i = 0; i <= bounds.Length; i++)
            {
                cumulative += counts[i];
                text.Append(name).Append("_bucket");
                labels.WriteTo(text, "le", i < bounds.Length ? Number(bounds[i]) : "+Inf");
                text.Append(' ').Append(cumulative).Append('\n');
            }

            text.Append(name).Append("_sum");
            labels.WriteTo(text);
            text.Append(' ').Append(Number(sum)).Append('\n');
            text.Append(name).Append("_count");
            labels.WriteTo(text);
            text.Append(' ').Append(count).Append('\n');
        }
    }
}
