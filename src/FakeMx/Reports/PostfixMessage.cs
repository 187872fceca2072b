namespace FakeMx.Reports;

/// <summary>A message the primary MX took into its queue, joined from its log lines by queue id.</summary>
/// <param name="QueueId">Postfix's queue id.</param>
/// <param name="AcceptedAt">When smtpd logged <c>client=</c> (else the first line seen for it).</param>
/// <param name="ClientAddress">The sending client's address from <c>client=name[addr]</c>; null
/// when the message did not come in over SMTP or that line was not in the log.</param>
/// <param name="MessageId">The <c>message-id=</c> cleanup logged, when any.</param>
/// <param name="From">The envelope sender from qmgr's <c>from=&lt;...&gt;</c>; null when not logged.</param>
/// <param name="Recipients">Every recipient a delivery agent reported, with its last status.</param>
public sealed record PostfixMessage(
    string QueueId,
    DateTimeOffset AcceptedAt,
    string? ClientAddress,
    string? MessageId,
    string? From,
    IReadOnlyList<PostfixRecipient> Recipients);

/// <summary>One recipient of a <see cref="PostfixMessage"/>.</summary>
/// <param name="To">The final recipient (<c>to=</c>).</param>
/// <param name="OriginalTo">The address as the sender gave it (<c>orig_to=</c>), when rewritten.</param>
/// <param name="Status">The last status logged: sent, deferred, bounced, expired, ...</param>
/// <param name="At">When that status was logged.</param>
public sealed record PostfixRecipient(string To, string? OriginalTo, string Status, DateTimeOffset At);

/// <summary>A recipient the primary refused at RCPT
/// (<c>reject: RCPT from ...; from=&lt;s&gt; to=&lt;r&gt;</c>).</summary>
public sealed record PostfixRejection(DateTimeOffset At, string? ClientAddress, string From, string To);
