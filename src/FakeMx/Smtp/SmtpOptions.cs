namespace FakeMx.Smtp;

/// <summary>
/// Everything that shapes the SMTP conversation and its limits. Bound from the configuration
/// section <c>Smtp</c> (file, <c>FAKEMX__SMTP__*</c> environment variables, then flags), and
/// checked by <see cref="SmtpOptionsValidator"/> before the server starts.
/// </summary>
public sealed class SmtpOptions
{
    public const string Section = "Smtp";

    /// <summary>
    /// Endpoints to accept SMTP on, as <c>ADDR:PORT</c>, <c>[V6ADDR]:PORT</c> or <c>*:PORT</c>.
    /// Default: port 25 on every IPv4 and IPv6 address, where MTAs look for an MX.
    /// </summary>
    public List<string> Listen { get; set; } = [];

    /// <summary>
    /// The name in the banner and in replies. Default: the machine's fully qualified name, as a
    /// real MX would announce itself.
    /// </summary>
    public string? Hostname { get; set; }

    /// <summary>Where the temporary failure is given. Default: <see cref="DeferStage.Data"/>.</summary>
    public DeferStage DeferAt { get; set; } = DeferStage.Data;

    /// <summary>
    /// The human text of the deferral reply, after the code and enhanced status code.
    /// Default: a plain "try again later" that a human reading a bounce understands.
    /// </summary>
    public string ReplyText { get; set; } = "Service temporarily unavailable, please try again later";

    /// <summary>
    /// Errors (4xx/5xx replies other than the deferral itself) a client may make; the next one
    /// ends the session with 421. Default 10: generous for a real MTA, short for a fuzzing bot.
    /// </summary>
    public int MaxErrors { get; set; } = 10;

    /// <summary>
    /// Commands a session may send; the next one ends it with 421. Default 300: room for a
    /// full envelope of <see cref="MaxRecipients"/> recipients twice over.
    /// </summary>
    public int MaxCommands { get; set; } = 300;

    /// <summary>
    /// Recipients per transaction; beyond it RCPT gets 452 4.5.3. Default 100, the minimum
    /// RFC 5321 §4.5.3.1.8 asks a server to accept.
    /// </summary>
    public int MaxRecipients { get; set; } = 100;

    /// <summary>
    /// The SIZE advertised in EHLO; a MAIL with a larger SIZE= gets 552 5.3.4. Default
    /// 10240000 bytes, Postfix's message_size_limit, so FakeMX looks like an ordinary MX.
    /// </summary>
    public long MaxMessageSize { get; set; } = 10_240_000;

    /// <summary>
    /// How long to wait for the next command before 421 and close. Default 60 s: shorter than
    /// Postfix's smtpd_timeout of 300 s, since a decoy owes a silent client nothing.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The longest a session may last, however active, before 421 and close. Default 5 min.
    /// </summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Open SMTP connections across all listeners; beyond it a new client gets a 421 greeting.
    /// Default 10000, well inside the default file descriptor limit of a systemd service.
    /// </summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>
    /// Open SMTP connections from one client address; beyond it that client gets a 421
    /// greeting. Default 10: a real MTA opens a handful of parallel sessions at most.
    /// </summary>
    public int MaxConnectionsPerIp { get; set; } = 10;

    /// <summary>
    /// The kernel listen backlog. Default 4096 so a burst of 1000 simultaneous connects does
    /// not overflow the accept queue (Kestrel's own default is 512).
    /// </summary>
    public int ListenBacklog { get; set; } = 4096;

    /// <summary>
    /// How long shutdown waits for sessions and queued events before the process exits.
    /// Default 5 s.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
