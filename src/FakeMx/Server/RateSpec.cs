using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using FakeMx.Hosting;

namespace FakeMx.Server;

/// <summary>
/// A connection rate as operators write it: <c>N/PERIOD</c>, such as <c>30/1m</c> (30
/// connections per minute), or <c>off</c>. The period takes the <see cref="Duration"/> formats.
/// </summary>
internal readonly record struct RateSpec(int Count, TimeSpan Period)
{
    public const string Formats = "N/PERIOD such as 30/1m or 5/10s, or off";

    public static RateSpec Off => default;

    public bool IsOff => Count == 0;

    public static bool TryParse(string? text, out RateSpec rate, [NotNullWhen(false)] out string? problem)
    {
        rate = Off;
        problem = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text is "off" or "0")
        {
            return true;
        }

        var slash = text.IndexOf('/');
        if (slash <= 0
            || !int.TryParse(text[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count < 1)
        {
            problem = $"'{text}' is not a rate; use {Formats}";
            return false;
        }

        var periodText = text[(slash + 1)..];
        if (!char.IsAsciiDigit(periodText.FirstOrDefault()))
        {
            // "30/m" reads naturally; it means one of the unit.
            periodText = "1" + periodText;
        }

        if (!Duration.TryParse(periodText, out var period) || period < TimeSpan.FromMilliseconds(100))
        {
            problem = $"'{text}': the period must be a duration of at least 100ms; use {Formats}";
            return false;
        }

        rate = new RateSpec(count, period);
        return true;
    }

    public override string ToString() => IsOff ? "off" : $"{Count}/{Duration.Format(Period)}";
}
