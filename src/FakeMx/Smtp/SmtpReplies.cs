namespace FakeMx.Smtp;

/// <summary>
/// Every reply FakeMX can send, with its RFC 5321 code and RFC 3463 enhanced status code,
/// built once from the configured hostname and deferral text.
/// </summary>
public sealed class SmtpReplies
{
    /// <summary>The command verbs HELP lists: exactly the ones FakeMX answers.</summary>
    private const string HelpVerbs = "EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP";

    public SmtpReplies(string hostname, string deferText, long maxMessageSize)
    {
        Hostname = hostname;

        // 220: service ready (§4.2.3). "ESMTP" tells clients EHLO is worth trying.
        Greeting = new(220, $"{hostname} ESMTP");

        // 421 closes the channel (§3.8); 4.7.0 = "other security or policy status".
        DeferredGreeting = new(421, $"4.7.0 {hostname} {deferText}", closesSession: true);
        DeferredHelo = DeferredGreeting;

        // 451 = "local error in processing"; 4.7.1 = "delivery not authorized, message
        // refused" in its temporary form, the code greylisting servers use.
        Deferred = new(451, $"4.7.1 {deferText}");

        Helo = new(250, hostname);
        string[] extensions = ["PIPELINING", $"SIZE {maxMessageSize}", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8"];
        Ehlo = new(250, [hostname, .. extensions]);

        // RFC 3207 §4: STARTTLS is advertised only while TLS is on offer and not yet active.
        EhloWithStartTls = new(250, [hostname, .. extensions[..2], "STARTTLS", .. extensions[2..]]);
        StartTlsReady = new(220, "2.0.0 Ready to start TLS");
        StartTlsSyntax = new(501, "5.5.4 Syntax: STARTTLS");
        TlsActive = new(503, "5.5.1 Error: TLS already active");
        TransactionInProgress = new(503, "5.5.1 Error: MAIL transaction in progress");

        SenderOk = new(250, "2.1.0 Ok");
        RecipientOk = new(250, "2.1.5 Ok");
        ResetOk = new(250, "2.0.0 Ok");
        NoopOk = new(250, "2.0.0 Ok");
        Quit = new(221, $"2.0.0 {hostname} closing connection", closesSession: true);
        Vrfy = new(252, "2.5.0 Cannot VRFY user");
        Help = new(214, [$"2.0.0 {hostname} commands:", $"2.0.0 {HelpVerbs}"]);

        UnknownCommand = new(500, "5.5.2 Error: command not recognized");
        NotImplemented = new(502, "5.5.1 Error: command not implemented");
        LineTooLong = new(500, "5.5.6 Error: line too long");
        NeedHelo = new(503, "5.5.1 Error: send HELO/EHLO first");
        NeedMail = new(503, "5.5.1 Error: need MAIL command");
        NeedRcpt = new(503, "5.5.1 Error: need RCPT command");
        NestedMail = new(503, "5.5.1 Error: nested MAIL command");

        HeloSyntax = new(501, "5.5.4 Syntax: HELO hostname");
        EhloSyntax = new(501, "5.5.4 Syntax: EHLO hostname");
        MailSyntax = new(501, "5.5.4 Syntax: MAIL FROM:<address>");
        RcptSyntax = new(501, "5.5.4 Syntax: RCPT TO:<address>");
        VrfySyntax = new(501, "5.5.4 Syntax: VRFY address");
        NoArguments = new(501, "5.5.4 Syntax: no arguments allowed");
        BadSender = new(501, "5.5.4 Bad sender address syntax");
        BadRecipient = new(501, "5.5.4 Bad recipient address syntax");

        // 555: MAIL/RCPT parameters not recognized or not implemented (§4.1.1.11).
        UnknownParameter = new(555, "5.5.4 Unsupported parameter");
        MessageTooBig = new(552, "5.3.4 Message size exceeds fixed limit");
        TooManyRecipients = new(452, "4.5.3 Error: too many recipients");

        // Each limit has its own text so a client's log says which one it hit.
        ErrorLimit = new(421, $"4.7.0 {hostname} Error: too many errors", closesSession: true);
        CommandLimit = new(421, $"4.7.0 {hostname} Error: too many commands", closesSession: true);
        IdleTimeout = new(421, $"4.4.2 {hostname} Error: timeout exceeded", closesSession: true);
        SessionTimeout = new(421, $"4.4.2 {hostname} Error: session time limit exceeded",
            closesSession: true);
        ConnectionLimit = new(421, $"4.7.0 {hostname} Error: too many connections",
            closesSession: true);
        ClientLimit = new(421, $"4.7.0 {hostname} Error: too many connections from your address",
            closesSession: true);
        Shutdown = new(421, $"4.3.2 {hostname} Service shutting down, try again later",
            closesSession: true);

        // At connect only 220 and 554 are defined (RFC 5321 §4.3.2) besides 421: 554 is the
        // permanent "go away" for denied networks; 5.7.1 = "delivery not authorized".
        Denied = new(554, $"5.7.1 {hostname} Error: access denied for your address", closesSession: true);
        RateLimited = new(421, $"4.7.0 {hostname} Error: too many connections from your address, slow down",
            closesSession: true);
        NetworkRateLimited = new(421, $"4.7.0 {hostname} Error: too many connections from your network",
            closesSession: true);
        NonSmtp = new(421, $"4.7.0 {hostname} Error: this is an SMTP server", closesSession: true);
    }

    public string Hostname { get; }

    public SmtpReply Greeting { get; }
    public SmtpReply DeferredGreeting { get; }
    public SmtpReply DeferredHelo { get; }
    public SmtpReply Deferred { get; }

    public SmtpReply Helo { get; }
    public SmtpReply Ehlo { get; }

    /// <summary>The EHLO reply while STARTTLS is offered and TLS is not yet active.</summary>
    public SmtpReply EhloWithStartTls { get; }
    public SmtpReply StartTlsReady { get; }
    public SmtpReply StartTlsSyntax { get; }
    public SmtpReply TlsActive { get; }
    public SmtpReply TransactionInProgress { get; }
    public SmtpReply SenderOk { get; }
    public SmtpReply RecipientOk { get; }
    public SmtpReply ResetOk { get; }
    public SmtpReply NoopOk { get; }
    public SmtpReply Quit { get; }
    public SmtpReply Vrfy { get; }
    public SmtpReply Help { get; }

    public SmtpReply UnknownCommand { get; }
    public SmtpReply NotImplemented { get; }
    public SmtpReply LineTooLong { get; }
    public SmtpReply NeedHelo { get; }
    public SmtpReply NeedMail { get; }
    public SmtpReply NeedRcpt { get; }
    public SmtpReply NestedMail { get; }

    public SmtpReply HeloSyntax { get; }
    public SmtpReply EhloSyntax { get; }
    public SmtpReply MailSyntax { get; }
    public SmtpReply RcptSyntax { get; }
    public SmtpReply VrfySyntax { get; }
    public SmtpReply NoArguments { get; }
    public SmtpReply BadSender { get; }
    public SmtpReply BadRecipient { get; }
    public SmtpReply UnknownParameter { get; }
    public SmtpReply MessageTooBig { get; }
    public SmtpReply TooManyRecipients { get; }

    public SmtpReply ErrorLimit { get; }
    public SmtpReply CommandLimit { get; }
    public SmtpReply IdleTimeout { get; }
    public SmtpReply SessionTimeout { get; }
    public SmtpReply ConnectionLimit { get; }
    public SmtpReply ClientLimit { get; }
    public SmtpReply Shutdown { get; }
    public SmtpReply Denied { get; }
    public SmtpReply RateLimited { get; }
    public SmtpReply NetworkRateLimited { get; }
    public SmtpReply NonSmtp { get; }
}
