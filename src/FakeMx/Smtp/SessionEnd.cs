namespace FakeMx.Smtp;

/// <summary>How a session ended. Each value is a stable label in events, logs and metrics.</summary>
public enum SessionEnd
{
    /// <summary>Still running (never stored).</summary>
    Open,

    /// <summary>The client sent QUIT and got 221.</summary>
    Quit,

    /// <summary>The client closed the connection without QUIT.</summary>
    ClientClosed,

    /// <summary>FakeMX deferred with a 421 (defer-at connect or helo) and closed.</summary>
    Deferred,

    /// <summary>No command arrived within the idle timeout.</summary>
    IdleTimeout,

    /// <summary>The session lasted longer than the session time limit.</summary>
    SessionTimeout,

    /// <summary>The client made more errors than the error limit allows.</summary>
    ErrorLimit,

    /// <summary>The client sent more commands than the command limit allows.</summary>
    CommandLimit,

    /// <summary>Refused at connect: the global connection cap was reached.</summary>
    ConnectionLimit,

    /// <summary>Refused at connect: the per-client-IP connection cap was reached.</summary>
    ClientLimit,

    /// <summary>The server was shutting down.</summary>
    Shutdown,

    /// <summary>The connection failed (reset, broken pipe).</summary>
    NetworkError,

    /// <summary>Refused at connect: the client is on the deny list (554 5.7.1).</summary>
    Denied,

    /// <summary>Refused at connect: the client address opened connections too fast.</summary>
    RateLimited,

    /// <summary>Refused at connect: the client's /24 or /64 network opened connections too fast.</summary>
    NetworkRateLimited,

    /// <summary>The client spoke something else: HTTP, a TLS handshake, or an untrusted PROXY header.</summary>
    NonSmtp,

    /// <summary>A trusted proxy sent a missing, malformed, oversized or late PROXY header.</summary>
    ProxyRejected,

    /// <summary>The TLS handshake after STARTTLS failed or timed out.</summary>
    TlsFailed,
}
