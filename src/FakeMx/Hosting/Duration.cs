using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace FakeMx.Hosting;

/// <summary>
/// Durations as operators write them: <c>250ms</c>, <c>60s</c>, <c>5m</c>, <c>24h</c>,
/// <c>7d</c>, <c>1w</c>, or .NET's <c>hh:mm:ss</c>. Used by flags, the config file and the CLI.
/// </summary>
public static class Duration
{
    private static readonly (string Suffix, double Millis)[] Units =
    [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000),
    ];

    public const string Formats = "a number with a unit (250ms, 60s, 5m, 24h, 7d, 1w) or hh:mm:ss";

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        foreach (var (suffix, millis) in Units.OrderByDescending(u => u.Suffix.Length))
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.AllowDecimalPoint,
                    CultureInfo.InvariantCulture, out var amount))
            {
                value = TimeSpan.FromMilliseconds(amount * millis);
                return true;
            }
        }

        return text.Contains(':') && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value)
            && value >= TimeSpan.Zero;
    }

    public static TimeSpan Parse(string text) => TryParse(text, out var value)
        ? value
        : throw new FormatException($"'{text}' is not a duration: use {Formats}");

    /// <summary>Lets the configuration binder read these formats into TimeSpan options.</summary>
    public static void RegisterWithConfiguration() =>
        TypeDescriptor.AddAttributes(typeof(TimeSpan), new TypeConverterAttribute(typeof(DurationConverter)));

    /// <summary>Shortest exact form: 60s stays 60s, 90s becomes 90s, 300s becomes 5m.</summary>
    public static string Format(TimeSpan value)
    {
        foreach (var (suffix, millis) in Enumerable.Reverse(Units))
        {
            var amount = value.TotalMilliseconds / millis;
            if (amount >= 1 && Math.Abs(amount - Math.Round(amount)) < 1e-9)
            {
                return $"{Math.Round(amount).ToString(CultureInfo.InvariantCulture)}{suffix}";
            }
        }

        return $"{value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms";
    }

    private sealed class DurationConverter : TimeSpanConverter
    {
        public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
            value is string text ? Parse(text) : base.ConvertFrom(context, culture, value);
    }
}
