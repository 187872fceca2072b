namespace FakeMx.Reports;

/// <summary>One line of a Postfix log split into its syslog header and message.</summary>
/// <param name="Time">When it was logged, with the year inferred for classic syslog stamps.</param>
/// <param name="Host">The host name field.</param>
/// <param name="Service">The Postfix daemon, such as <c>smtpd</c> or <c>qmgr</c> (the part after
/// the last slash of <c>postfix/smtpd</c> or <c>postfix-primary/smtpd</c>).</param>
/// <param name="Message">Everything after <c>[pid]: </c>.</param>
public sealed record PostfixLogLine(DateTimeOffset Time, string Host, string Service, string Message);
