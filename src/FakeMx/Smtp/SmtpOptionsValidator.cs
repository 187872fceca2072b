using FakeMx.Server;

namespace FakeMx.Smtp;

/// <summary>
/// Checks <see cref="SmtpOptions"/> before the server starts, so a bad setting fails with one
/// line naming the setting and what it accepts, never with a stack trace mid-session.
/// </summary>
public static class SmtpOptionsValidator
{
    public static IReadOnlyList<string> Validate(SmtpOptions options)
    {
        var problems = new List<string>();

        foreach (var listen in options.Listen)
        {
            if (!ListenEndpoint.TryParse(listen, out _, out _, out var problem))
            {
                problems.Add($"--listen: {problem}");
            }
        }

        if (options.Hostname is { } hostname
            && (hostname.Length == 0 || hostname.Length > 253 || hostname.Any(c => c <= ' ' || c >= 0x7F)))
        {
            problems.Add($"--hostname: '{hostname}' is not a host name (printable ASCII, no spaces)");
        }

        if (!Enum.IsDefined(options.DeferAt))
        {
            problems.Add("--defer-at: must be one of connect, helo, mail, rcpt, data");
        }

        if (string.IsNullOrWhiteSpace(options.ReplyText) || options.ReplyText.Length > 400
            || options.ReplyText.Any(char.IsControl))
        {
            problems.Add("--reply-text: must be 1-400 printable characters on one line");
        }

        AtLeast(problems, "--max-errors", options.MaxErrors, 1);
        AtLeast(problems, "--max-commands", options.MaxCommands, 1);
        AtLeast(problems, "--max-recipients", options.MaxRecipients, 1);
        AtLeast(problems, "--max-connections", options.MaxConnections, 1);
        AtLeast(problems, "--max-connections-per-ip", options.MaxConnectionsPerIp, 1);
        AtLeast(problems, "--listen-backlog", options.ListenBacklog, 1);
        AtLeast(problems, "--max-message-size", options.MaxMessageSize, 1);
        Positive(problems, "--idle-timeout", options.IdleTimeout);
        Positive(problems, "--session-timeout", options.SessionTimeout);
        Positive(problems, "--shutdown-timeout", options.ShutdownTimeout);

        return problems;
    }

    private static void AtLeast(List<string> problems, string flag, long value, long minimum)
    {
        if (value < minimum)
        {
            problems.Add($"{flag}: must be at least {minimum} (got {value})");
        }
    }

    private static void Positive(List<string> problems, string flag, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{flag}: must be a positive duration (got {value})");
        }
    }
}
