using System.Globalization;
using System.Text.RegularExpressions;

namespace FakeMx.Reports;

/// <summary>
/// Reads a primary MX's Postfix log into the messages it accepted and the recipients it
/// refused, joining each message's lines by queue id: smtpd <c>client=</c>, cleanup
/// <c>message-id=</c>, qmgr <c>from=</c>, and the delivery agents' <c>to=</c> with
/// <c>status=</c>.
///
/// Formats: classic syslog (<c>Mar  7 09:15:02 host postfix/smtpd[123]: ...</c>, the year
/// inferred from a reference time, rolling back a year for stamps after it), Postfix's own
/// <c>maillog_file</c> (the same with microseconds), and RFC 3339 stamps
/// (<c>2025-03-07T09:15:02.123456+00:00 host postfix/smtpd[123]: ...</c>, as rsyslog writes
/// them). Lines of other programs (dovecot, cron) are counted and skipped; lines that do not
/// look like syslog at all are counted as unparsable and skipped. Nothing in a log is fatal:
/// rotated, truncated and interleaved files are the normal case.
///
/// Not: multi-line records, journald export format, lines from before a queue id was reused
/// (a reused id starts a new message when a new <c>client=</c> line arrives).
/// </summary>
public sealed partial class PostfixLog
{
    private const int SampleLimit = 5;

    private readonly TimeZoneInfo _timeZone;
    private readonly DateTimeOffset _reference;
    private readonly Dictionary<string, Builder> _open = new(StringComparer.Ordinal);
    private readonly List<PostfixMessage> _messages = [];
    private readonly List<PostfixRejection> _rejections = [];
    private readonly List<string> _unparsableSamples = [];

    /// <param name="reference">A time at or after the last line (the file's modification time):
    /// classic syslog stamps carry no year, so each gets the year that puts it at or before this.</param>
    /// <param name="timeZone">The zone of classic syslog stamps (the logging host's local zone).</param>
    public PostfixLog(DateTimeOffset reference, TimeZoneInfo timeZone)
    {
        _reference = reference;
        _timeZone = timeZone;
    }

    /// <summary>Every line read.</summary>
    public long Lines { get; private set; }

    /// <summary>Lines with no recognisable syslog header.</summary>
    public long Unparsable { get; private set; }

    /// <summary>Well-formed lines from programs other than Postfix.</summary>
    public long OtherPrograms { get; private set; }

    /// <summary>The earliest stamp of any well-formed line; null for an empty log.</summary>
    public DateTimeOffset? First { get; private set; }

    /// <summary>The latest stamp of any well-formed line; null for an empty log.</summary>
    public DateTimeOffset? Last { get; private set; }

    /// <summary>The first few unparsable lines, truncated, for the operator to look at.</summary>
    public IReadOnlyList<string> UnparsableSamples => _unparsableSamples;

    /// <summary>Accepted messages, in the order their first line appeared.</summary>
    public IReadOnlyList<PostfixMessage> Messages
    {
        get
        {
            // Messages still open at the end of the log are complete as far as the log goes.
            return [.. _messages, .. _open.Values.Where(b => b.HasContent).Select(b => b.Build())];
        }
    }

    public IReadOnlyList<PostfixRejection> Rejections => _rejections;

    /// <summary>Reads whole files, oldest first (rotated logs); the reference time for the
    /// year of classic stamps is the newest modification time among them.</summary>
    public static async Task<PostfixLog> ReadFilesAsync(
        IReadOnlyList<string> paths,
        TimeZoneInfo timeZone,
        CancellationToken cancellationToken)
    {
        var newest = paths.Select(File.GetLastWriteTimeUtc).DefaultIfEmpty(DateTime.UtcNow).Max();
        var log = new PostfixLog(new DateTimeOffset(newest, TimeSpan.Zero), timeZone);
        foreach (var path in paths)
        {
            using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                log.Add(line);
            }
        }

        return log;
    }

    /// <summary>Reads one line.</summary>
    public void Add(string line)
    {
        Lines++;
        var parsed = ParseLine(line);
        if (parsed is null)
        {
            Unparsable++;
            if (_unparsableSamples.Count < SampleLimit)
            {
                _unparsableSamples.Add(line.Length > 120 ? line[..120] + "..." : line);
            }

            return;
        }

        if (First is null || parsed.Time < First)
        {
            First = parsed.Time;
        }

        if (Last is null || parsed.Time > Last)
        {
            Last = parsed.Time;
        }

        if (parsed.Service.Length == 0)
        {
            OtherPrograms++;
            return;
        }

        Interpret(parsed);
    }

    /// <summary>Splits a line into header and message; null when it has no syslog header; a
    /// line whose program is not Postfix comes back with an empty service.</summary>
    public PostfixLogLine? ParseLine(string line)
    {
        var iso = IsoHeader().Match(line);
        DateTimeOffset time;
        Match header;
        if (iso.Success)
        {
            if (!DateTimeOffset.TryParse(iso.Groups["stamp"].Value, CultureInfo.InvariantCulture,
                    DateTimeStyles.None, out time))
            {
                return null;
            }

            header = iso;
        }
        else
        {
            var classic = SyslogHeader().Match(line);
            if (!classic.Success || !TryClassicTime(classic, out time))
            {
                return null;
            }

            header = classic;
        }

        var program = header.Groups["program"].Value;
        var slash = program.LastIndexOf('/');
        var isPostfix = program.StartsWith("postfix", StringComparison.Ordinal) && slash > 0;
        return new PostfixLogLine(
            time,
            header.Groups["host"].Value,
            isPostfix ? program[(slash + 1)..] : string.Empty,
            header.Groups["message"].Value);
    }

    private bool TryClassicTime(Match match, out DateTimeOffset time)
    {
        time = default;
        var month = Array.IndexOf(Months, match.Groups["month"].Value) + 1;
        var day = int.Parse(match.Groups["day"].Value, CultureInfo.InvariantCulture);
        var fraction = match.Groups["fraction"].Success
            ? double.Parse("0" + match.Groups["fraction"].Value, CultureInfo.InvariantCulture)
            : 0;
        var clock = TimeSpan.Parse(match.Groups["clock"].Value, CultureInfo.InvariantCulture)
            + TimeSpan.FromTicks((long)(fraction * TimeSpan.TicksPerSecond));
        if (month == 0 || clock >= TimeSpan.FromDays(1))
        {
            return false;
        }

        // The stamp belongs to the latest year that does not put it after the reference
        // (a day of slack for clocks and zones); a December line read in January is last year's.
        var localReference = TimeZoneInfo.ConvertTime(_reference, _timeZone);
        for (var year = localReference.Year; year >= localReference.Year - 1; year--)
        {
            if (day > DateTime.DaysInMonth(year, month))
            {
                continue;
            }

            var local = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Unspecified) + clock;
            var candidate = new DateTimeOffset(local, _timeZone.GetUtcOffset(local));
            if (candidate <= _reference + TimeSpan.FromDays(1) || year < localReference.Year)
            {
                time = candidate;
                return true;
            }
        }

        return false;
    }

    private void Interpret(PostfixLogLine line)
    {
        var message = line.Message;
        var reject = Reject().Match(message);
        if (reject.Success)
        {
            _rejections.Add(new PostfixRejection(
                line.Time,
                Address(reject.Groups["addr"].Value),
                reject.Groups["from"].Value,
                reject.Groups["to"].Value));
            return;
        }

        var queued = QueueRecord().Match(message);
        if (!queued.Success)
        {
            return;
        }

        var id = queued.Groups["id"].Value;
        var rest = queued.Groups["rest"].Value;
        var client = Client().Match(rest);
        if (line.Service == "smtpd" && client.Success)
        {
            // A new client= line for a known id means the id was reused: close the old message.
            if (_open.Remove(id, out var old) && old.HasContent)
            {
                _messages.Add(old.Build());
            }

            var fresh = Open(id, line.Time);
            fresh.AcceptedAt = line.Time;
            fresh.ClientAddress = Address(client.Groups["addr"].Value);
            return;
        }

        if (rest.StartsWith("message-id=", StringComparison.Ordinal))
        {
            Open(id, line.Time).MessageId = rest["message-id=".Length..].Trim();
            return;
        }

        var from = From().Match(rest);
        if (from.Success && line.Service == "qmgr")
        {
            Open(id, line.Time).From ??= from.Groups["from"].Value;
            return;
        }

        var to = To().Match(rest);
        if (to.Success)
        {
            var builder = Open(id, line.Time);
            var origTo = to.Groups["orig"].Success ? to.Groups["orig"].Value : null;
            builder.Recipients[(to.Groups["to"].Value, origTo)] =
                new PostfixRecipient(to.Groups["to"].Value, origTo, to.Groups["status"].Value, line.Time);
            return;
        }

        if (rest == "removed" && _open.Remove(id, out var done) && done.HasContent)
        {
            _messages.Add(done.Build());
        }
    }

    private Builder Open(string id, DateTimeOffset time)
    {
        if (!_open.TryGetValue(id, out var builder))
        {
            _open[id] = builder = new Builder(id, time);
        }

        return builder;
    }

    /// <summary>Postfix writes <c>unknown</c> when the client address is not known.</summary>
    private static string? Address(string text) =>
        text.Length == 0 || text == "unknown" ? null
        : text.StartsWith("IPv6:", StringComparison.Ordinal) ? text[5..]
        : text;

    private static readonly string[] Months =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    [GeneratedRegex(@"^(?<stamp>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))\s+" +
        @"(?<host>\S+)\s+(?<program>[^\s\[:]+)(?:\[\d+\])?:\s(?<message>.*)$")]
    private static partial Regex IsoHeader();

    [GeneratedRegex(@"^(?<month>[A-Z][a-z]{2})\s{1,2}(?<day>\d{1,2})\s" +
        @"(?<clock>\d{2}:\d{2}:\d{2})(?<fraction>\.\d{1,9})?\s+" +
        @"(?<host>\S+)\s+(?<program>[^\s\[:]+)(?:\[\d+\])?:\s(?<message>.*)$")]
    private static partial Regex SyslogHeader();

    // Short ids are upper-case hex; long ids (enable_long_queue_ids) mix cases and digits.
    [GeneratedRegex(@"^(?<id>[0-9A-F]{6,}|[0-9A-Za-z]*[0-9][0-9A-Za-z]*z[0-9A-Za-z]+):\s(?<rest>.*)$")]
    private static partial Regex QueueRecord();

    [GeneratedRegex(@"^client=[^\[\s]*\[(?<addr>[^\]]*)\]")]
    private static partial Regex Client();

    [GeneratedRegex(@"^from=<(?<from>[^>]*)>,\s(?:size|status)=")]
    private static partial Regex From();

    [GeneratedRegex(@"^to=<(?<to>[^>]*)>,\s(?:orig_to=<(?<orig>[^>]*)>,\s)?.*?\bstatus=(?<status>[a-z]+)")]
    private static partial Regex To();

    [GeneratedRegex(@"^(?:NOQUEUE|[0-9A-Za-z]+):\sreject:\sRCPT\sfrom\s[^\[\s]*\[(?<addr>[^\]]*)\](?::\d+)?:" +
        @".*;\sfrom=<(?<from>[^>]*)>\sto=<(?<to>[^>]*)>")]
    private static partial Regex Reject();

    private sealed class Builder(string id, DateTimeOffset firstSeen)
    {
        public DateTimeOffset AcceptedAt { get; set; } = firstSeen;
        public string? ClientAddress { get; set; }
        public string? MessageId { get; set; }
        public string? From { get; set; }
        public Dictionary<(string To, string? OrigTo), PostfixRecipient> Recipients { get; } = [];

        public bool HasContent => From is not null || Recipients.Count > 0;

        public PostfixMessage Build() =>
            new(id, AcceptedAt, ClientAddress, MessageId, From, [.. Recipients.Values]);
    }
}
