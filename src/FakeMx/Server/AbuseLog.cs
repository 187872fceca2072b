using FakeMx.Hosting;
using Microsoft.Extensions.Logging;

namespace FakeMx.Server;

/// <summary>
/// The abuse protections' log lines (ids 4xxx). Refusals are logged at most once per client per
/// minute (see <see cref="ClientLogThrottle"/>), so a flood cannot flood the log.
/// </summary>
internal static partial class AbuseLog
{
    [LoggerMessage(LogEvents.Denied, LogLevel.Information,
        "DENIED [{ClientIp}]:{ClientPort} on the deny list; 554 and close")]
    public static partial void Denied(ILogger logger, string clientIp, int clientPort);

    [LoggerMessage(LogEvents.RateLimited, LogLevel.Warning,
        "RATE LIMIT [{ClientIp}]:{ClientPort} more than {Rate} connections from this {Scope}; 421 and close")]
    public static partial void RateLimited(ILogger logger, string clientIp, int clientPort, string rate, string scope);

    [LoggerMessage(LogEvents.Pregreet, LogLevel.Information,
        "PREGREET [{ClientIp}]:{ClientPort} sent {Bytes} bytes before the banner: {Text}")]
    public static partial void Pregreet(ILogger logger, string clientIp, int clientPort, long bytes, string text);

    [LoggerMessage(LogEvents.NonSmtp, LogLevel.Information,
        "NOT SMTP [{ClientIp}]:{ClientPort} spoke {Protocol}; 421 and close")]
    public static partial void NonSmtp(ILogger logger, string clientIp, int clientPort, string protocol);

    [LoggerMessage(LogEvents.ProxyRejected, LogLevel.Warning,
        "PROXY REJECTED [{PeerIp}]:{PeerPort} {Problem}; connection closed")]
    public static partial void ProxyRejected(ILogger logger, string peerIp, int peerPort, string problem);

    [LoggerMessage(LogEvents.ProxyAccepted, LogLevel.Debug,
        "PROXY [{PeerIp}]:{PeerPort} v{Version} client [{ClientIp}]:{ClientPort}")]
    public static partial void ProxyAccepted(
        ILogger logger, string peerIp, int peerPort, int version, string clientIp, int clientPort);

    [LoggerMessage(LogEvents.TlsFailed, LogLevel.Information,
        "TLS FAILED [{ClientIp}]:{ClientPort} handshake after STARTTLS: {Reason}")]
    public static partial void TlsFailed(ILogger logger, string clientIp, int clientPort, string reason);

    [LoggerMessage(LogEvents.TlsStarted, LogLevel.Debug,
        "TLS [{ClientIp}]:{ClientPort} {Version} {Cipher}")]
    public static partial void TlsStarted(
        ILogger logger, string clientIp, int clientPort, string version, string cipher);

    [LoggerMessage(LogEvents.StartTlsInjection, LogLevel.Warning,
        "STARTTLS INJECTION [{ClientIp}]:{ClientPort} {Bytes} bytes pipelined after STARTTLS discarded")]
    public static partial void StartTlsInjection(ILogger logger, string clientIp, int clientPort, long bytes);

    [LoggerMessage(LogEvents.ListLoaded, LogLevel.Information,
        "LIST LOADED {Which} list {Path}: {Entries} entries")]
    public static partial void ListLoaded(ILogger logger, string which, string path, int entries);

    [LoggerMessage(LogEvents.ListRejected, LogLevel.Error,
        "LIST REJECTED {Problem}; keeping the previous {Which} list of {Entries} entries")]
    public static partial void ListRejected(ILogger logger, string problem, string which, int entries);

    [LoggerMessage(LogEvents.CertificateLoaded, LogLevel.Information,
        "CERTIFICATE LOADED {Subject} expires {NotAfter:yyyy-MM-dd} from {Source}")]
    public static partial void CertificateLoaded(ILogger logger, string subject, DateTime notAfter, string source);

    [LoggerMessage(LogEvents.CertificateRejected, LogLevel.Error,
        "CERTIFICATE REJECTED {Problem}; keeping the previous certificate")]
    public static partial void CertificateRejected(ILogger logger, string problem);

    [LoggerMessage(LogEvents.ReloadRequested, LogLevel.Information,
        "RELOAD requested by SIGHUP: checking lists and certificate")]
    public static partial void ReloadRequested(ILogger logger);
}
