namespace FakeMx.Hosting;

/// <summary>
/// The registry of log event ids. Ids are stable: operators filter and alert on them, so an id
/// is never reused for another meaning, even after its event is removed. Ranges: 1xxx server
/// and SMTP, 2xxx event store, 3xxx web, 4xxx abuse protection, 5xxx CLI.
/// </summary>
public static class LogEvents
{
    public const int Listening = 1000;
    public const int ListenFailed = 1001;
    public const int ShuttingDown = 1002;
    public const int InvalidConfiguration = 1003;
    public const int MemoryTrimmed = 1004;

    public const int SessionSummary = 1100;
    public const int Command = 1101;
    public const int SessionFailed = 1102;

    public const int ErrorLimit = 1110;
    public const int CommandLimit = 1111;
    public const int IdleTimeout = 1112;
    public const int SessionTimeout = 1113;
    public const int ConnectionLimit = 1114;
    public const int ClientLimit = 1115;
    public const int LineTooLong = 1116;
    public const int StalledOutput = 1117;

    public const int StoreOpened = 2000;
    public const int StoreUnavailable = 2001;
    public const int StoreRecovered = 2002;
    public const int EventsDropped = 2003;
    public const int BatchWritten = 2004;
    public const int Pruned = 2005;
    public const int PruneFailed = 2006;
    public const int QueueFlushed = 2007;
    public const int QueueLost = 2008;
    public const int SchemaMigrated = 2009;

    public const int HttpListening = 3000;
    public const int HttpUnauthorized = 3001;
    public const int HttpBadRequest = 3002;
    public const int HttpStoreFailed = 3003;
    public const int HttpUnhealthy = 3004;

    public const int Denied = 4000;
    public const int RateLimited = 4001;
    public const int Pregreet = 4002;
    public const int NonSmtp = 4003;
    public const int ProxyRejected = 4004;
    public const int ProxyAccepted = 4005;
    public const int TlsFailed = 4006;
    public const int TlsStarted = 4007;
    public const int StartTlsInjection = 4008;
    public const int ListLoaded = 4010;
    public const int ListRejected = 4011;
    public const int CertificateLoaded = 4012;
    public const int CertificateRejected = 4013;
    public const int ReloadRequested = 4014;
}
