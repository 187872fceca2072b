namespace FakeMx.Smtp;

/// <summary>
/// What one session revealed about its client, kept by <see cref="SmtpSession"/> as the
/// conversation goes on. Every string is already sanitized by <see cref="ClientText"/>.
/// </summary>
public sealed class SessionRecord
{
    /// <summary>The cap on recipients kept by name; <see cref="RecipientCount"/> counts all.</summary>
    public const int MaxRecordedRecipients = 100;

    private readonly List<string> _recipients = [];

    public string? Helo { get; internal set; }

    /// <summary>True when the client greeted with EHLO rather than HELO.</summary>
    public bool Extended { get; internal set; }

    /// <summary>The last MAIL FROM address; empty string for the null sender &lt;&gt;.</summary>
    public string? Sender { get; internal set; }

    public IReadOnlyList<string> Recipients => _recipients;

    public int RecipientCount { get; private set; }

    public int Commands { get; internal set; }

    public int Errors { get; internal set; }

    public SessionStage Stage { get; internal set; } = SessionStage.Connect;

    /// <summary>
    /// The reply that defines the outcome: the deferral if one was given, else the reply that
    /// ended the session (a limit's 421), else the last reply before QUIT.
    /// </summary>
    public SmtpReply? Reply { get; internal set; }

    /// <summary>True once the deferral (451 or 421) was given.</summary>
    public bool Deferred { get; internal set; }

    public SessionEnd End { get; internal set; } = SessionEnd.Open;

    internal void AddRecipient(string recipient)
    {
        RecipientCount++;
        if (_recipients.Count < MaxRecordedRecipients)
        {
            _recipients.Add(recipient);
        }
    }

    internal void Reach(SessionStage stage)
    {
        if (stage > Stage)
        {
            Stage = stage;
        }
    }
}
