using System.Globalization;
using System.Net;
using FakeMx.Hosting;
using Microsoft.AspNetCore.Http;

namespace FakeMx.Web;

/// <summary>
/// Reads the query parameters of one API request. Every problem names its parameter and what
/// it accepts; the first one found becomes the 400 response. Parameters the endpoint does not
/// know are errors too, so a typo (<c>?domian=</c>) never silently widens a query.
/// </summary>
internal sealed class ApiQuery
{
    /// <summary>The window when <c>since</c> is not given.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(24);

    private readonly IQueryCollection _query;
    private readonly DateTimeOffset _now;

    public ApiQuery(HttpRequest request, DateTimeOffset now, params string[] known)
    {
        _query = request.Query;
        _now = now;
        var unknown = _query.Keys.FirstOrDefault(k => !known.Contains(k, StringComparer.Ordinal) && k != "token");
        if (unknown is not null)
        {
            Problem = $"{unknown}: unknown parameter; this endpoint takes {string.Join(", ", known)}";
        }
    }

    /// <summary>The first problem found, or null.</summary>
    public string? Problem { get; private set; }

    /// <summary>
    /// <c>since</c>: a duration back from now (<c>24h</c>, <c>7d</c>) or an ISO 8601 time
    /// (<c>2025-01-31T00:00:00Z</c>); times without an offset are UTC.
    /// </summary>
    public DateTimeOffset Since(TimeSpan defaultWindow) => SinceOrUntil("since", defaultWindow);

    private DateTimeOffset SinceOrUntil(string name, TimeSpan defaultWindow)
    {
        var text = Single(name);
        if (text is null)
        {
            return _now - defaultWindow;
        }

        if (Duration.TryParse(text, out var back) && !text.Contains('-'))
        {
            return _now - back;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        Fail($"{name}: '{Clip(text)}' is neither a duration ({Duration.Formats}) nor an ISO 8601 time");
        return _now - defaultWindow;
    }

    /// <summary><c>until</c>: like <c>since</c>; null (meaning now) when absent.</summary>
    public DateTimeOffset? Until() =>
        _query.ContainsKey("until") ? SinceOrUntil("until", TimeSpan.Zero) : null;

    /// <summary><c>domain</c>: a domain name, lower-cased; null when absent.</summary>
    public string? Domain()
    {
        var text = Single("domain")?.Trim().TrimEnd('.').ToLowerInvariant();
        if (text is null)
        {
            return null;
        }

        var valid = text.Length is > 0 and <= 253 && text.Split('.').All(label =>
            label.Length is > 0 and <= 63 && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c > 127));
        if (!valid)
        {
            Fail($"domain: '{Clip(text)}' is not a domain name (example: example.com)");
            return null;
        }

        return text;
    }

    /// <summary><c>ip</c>: an IPv4 or IPv6 address, normalized; null when absent.</summary>
    public string? Ip()
    {
        var text = Single("ip");
        if (text is null)
        {
            return null;
        }

        if (!IPAddress.TryParse(text.Trim(), out var address))
        {
            Fail($"ip: '{Clip(text)}' is not an IP address");
            return null;
        }

        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public long? Number(string name, long min, long max)
    {
        var text = Single(name);
        if (text is null)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            || value < min || value > max)
        {
            Fail($"{name}: '{Clip(text)}' is not a whole number from {min} to {max}");
            return null;
        }

        return value;
    }

    /// <summary>A positive duration; null when absent.</summary>
    public TimeSpan? Step()
    {
        var text = Single("step");
        if (text is null)
        {
            return null;
        }

        if (!Duration.TryParse(text, out var step) || step < TimeSpan.FromSeconds(1))
        {
            Fail($"step: '{Clip(text)}' is not a duration of at least 1s ({Duration.Formats})");
            return null;
        }

        return step;
    }

    public void Fail(string problem) => Problem ??= problem;

    private string? Single(string name)
    {
        if (!_query.TryGetValue(name, out var values))
        {
            return null;
        }

        if (values.Count > 1)
        {
            Fail($"{name}: given {values.Count} times; give it once");
            return null;
        }

        var value = values[0];
        if (string.IsNullOrWhiteSpace(value))
        {
            Fail($"{name}: empty; leave it out or give a value");
            return null;
        }

        return value;
    }

    private static string Clip(string text) => text.Length <= 64 ? text : text[..64] + "...";
}
