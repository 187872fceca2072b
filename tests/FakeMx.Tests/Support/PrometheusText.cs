using System.Globalization;
using System.Text;

namespace FakeMx.Tests.Support;

/// <summary>
/// A parser for the Prometheus text exposition format, strict enough to catch malformed output:
/// every sample line becomes (name, labels, value), every metric family its HELP and TYPE, and
/// a line that fits neither throws.
/// </summary>
public sealed class PrometheusText
{
    private PrometheusText(List<Sample> samples, Dictionary<string, string> help, Dictionary<string, string> types)
    {
        Samples = samples;
        Help = help;
        Types = types;
    }

    public IReadOnlyList<Sample> Samples { get; }

    /// <summary>HELP text by family name.</summary>
    public IReadOnlyDictionary<string, string> Help { get; }

    /// <summary>TYPE by family name: counter, gauge, histogram.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>The one sample named <paramref name="name"/> whose labels include every given pair,
    /// summed over the rest (0 when none).</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value))
            .Sum(s => s.Value);

    public static PrometheusText Parse(string text)
    {
        var samples = new List<Sample>();
        var help = new Dictionary<string, string>();
        var types = new Dictionary<string, string>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var rest = line["# HELP ".Length..];
                var space = rest.IndexOf(' ');
                help[rest[..space]] = rest[(space + 1)..];
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line["# TYPE ".Length..].Split(' ');
                types[parts[0]] = parts[1];
                continue;
            }

            if (line.StartsWith('#'))
            {
                continue;
            }

            samples.Add(ParseSample(line));
        }

        return new PrometheusText(samples, help, types);
    }

    private static Sample ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or ':'))
        {
            i++;
        }

        var name = line[..i];
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            throw new FormatException($"bad metric name in: {line}");
        }

        var labels = new Dictionary<string, string>();
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                var key = line[i..eq];
                i = eq + 1;
                if (line[i] != '"')
                {
                    throw new FormatException($"label value not quoted in: {line}");
                }

                i++;
                var value = new StringBuilder();
                while (line[i] != '"')
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] == 'n' ? '\n' : line[i]);
                    }
                    else
                    {
                        value.Append(line[i]);
                    }

                    i++;
                }

                labels[key] = value.ToString();
                i++;
                if (line[i] == ',')
                {
                    i++;
                }
            }

            i++;
        }

        if (line[i] != ' ')
        {
            throw new FormatException($"no space before the value in: {line}");
        }

        var number = line[(i + 1)..].Split(' ')[0];
        var parsed = number switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new Sample(name, labels, parsed);
    }
}
