using FakeMx.Hosting;
using FakeMx.Smtp;

namespace FakeMx.Server;

/// <summary>The answers to connections the <see cref="ConnectionPolicy"/> did not admit.</summary>
internal sealed partial class SmtpConnectionHandler
{
    private async Task RefuseAsync(SmtpConnection connection, SmtpSession session, Admission admission, int openNow)
    {
        var (reply, end) = admission switch
        {
            Admission.ConnectionLimit => (_replies.ConnectionLimit, SessionEnd.ConnectionLimit),
            Admission.ClientLimit => (_replies.ClientLimit, SessionEnd.ClientLimit),
            Admission.Denied => (_replies.Denied, SessionEnd.Denied),
            Admission.RateLimited => (_replies.RateLimited, SessionEnd.RateLimited),
            Admission.NetworkRateLimited => (_replies.NetworkRateLimited, SessionEnd.NetworkRateLimited),
            _ => (_replies.Shutdown, SessionEnd.Shutdown),
        };

        session.Record.Reply = reply;
        session.Terminate(end);
        _metrics.ConnectionRefused(Labels.End(end));

        if (ShouldLogRefusal(connection))
        {
            LogRefusal(connection, end, openNow);
        }

        await SendAsync(connection, reply);
    }

    private void LogRefusal(SmtpConnection connection, SessionEnd end, int openNow)
    {
        var ip = connection.ClientIp;
        var port = connection.Client.Port;
        switch (end)
        {
            case SessionEnd.ConnectionLimit:
                SmtpLog.ConnectionLimit(_logger, ip, port, openNow);
                break;
            case SessionEnd.ClientLimit:
                SmtpLog.ClientLimit(_logger, ip, port, openNow);
                break;
            case SessionEnd.Denied:
                AbuseLog.Denied(_logger, ip, port);
                break;
            case SessionEnd.RateLimited:
                AbuseLog.RateLimited(_logger, ip, port, _policy.IpRate.ToString(), "address");
                break;
            case SessionEnd.NetworkRateLimited:
                AbuseLog.RateLimited(_logger, ip, port, _policy.NetworkRate.ToString(), "network");
                break;
        }
    }

    /// <summary>
    /// Refusals are logged once per client per minute: a flood from one address must not turn
    /// into a flood of log lines. Metrics and events still count every one.
    /// </summary>
    private bool ShouldLogRefusal(SmtpConnection connection) =>
        _logThrottle.ShouldLog(connection.Client.Address, Environment.TickCount64);
}
