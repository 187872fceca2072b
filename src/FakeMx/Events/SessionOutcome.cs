using FakeMx.Smtp;

namespace FakeMx.Events;

/// <summary>
/// What a session amounted to, in the few classes an operator charts: the client was deferred
/// (the decoy did its job), refused at connect by a limit or list, left before the deferral,
/// timed out, hit a per-session limit, or was cut by shutdown.
/// </summary>
public enum SessionOutcome
{
    Deferred,
    Refused,
    Abandoned,
    Timeout,
    Limit,
    Shutdown,
}

public static class SessionOutcomes
{
    public static SessionOutcome Classify(bool deferred, SessionEnd end)
    {
        if (deferred)
        {
            return SessionOutcome.Deferred;
        }

        return end switch
        {
            SessionEnd.ConnectionLimit or SessionEnd.ClientLimit or SessionEnd.Denied or SessionEnd.RateLimited
                or SessionEnd.NetworkRateLimited or SessionEnd.NonSmtp or SessionEnd.ProxyRejected
                or SessionEnd.TlsFailed => SessionOutcome.Refused,
            SessionEnd.IdleTimeout or SessionEnd.SessionTimeout => SessionOutcome.Timeout,
            SessionEnd.ErrorLimit or SessionEnd.CommandLimit => SessionOutcome.Limit,
            SessionEnd.Shutdown => SessionOutcome.Shutdown,
            _ => SessionOutcome.Abandoned,
        };
    }
}
