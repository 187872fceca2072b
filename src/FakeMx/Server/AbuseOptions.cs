namespace FakeMx.Server;

/// <summary>
/// The abuse protections: connection rates, allow and deny lists, PROXY protocol, early-talker
/// detection and the tarpit. Bound from the configuration section <c>Abuse</c> (file,
/// <c>FAKEMX__ABUSE__*</c>, then flags) and checked by <see cref="AbuseOptionsValidator"/>.
/// The global and per-address caps live in <c>Smtp</c> (<c>MaxConnections</c>,
/// <c>MaxConnectionsPerIp</c>) beside the other session limits.
/// </summary>
public sealed class AbuseOptions
{
    public const string Section = "Abuse";

    /// <summary>
    /// New connections one client address may open per period, as <c>N/PERIOD</c>, or
    /// <c>off</c>. Default <c>30/1m</c>: a real MTA retrying a deferred message opens a few
    /// connections a minute at most, while a bot hammering the port opens hundreds; each refused
    /// attempt costs a 421 instead of a session and an event.
    /// </summary>
    public string ConnectionRatePerIp { get; set; } = "30/1m";

    /// <summary>
    /// New connections one /24 (IPv4) or /64 (IPv6) network may open per period, or <c>off</c>.
    /// Default <c>300/1m</c>: ten busy addresses' worth, so a large provider's outbound farm in
    /// one /24 passes, while a botnet node rotating through its neighbours' addresses does not.
    /// </summary>
    public string ConnectionRatePerNetwork { get; set; } = "300/1m";

    /// <summary>
    /// A file of networks (one address or CIDR per line, <c>#</c> comments) that are never
    /// rate-limited nor capped per address: the operator's own monitoring, say. The global cap
    /// still applies. Reloaded when the file changes and on SIGHUP. Default: none.
    /// </summary>
    public string? AllowList { get; set; }

    /// <summary>
    /// A file of networks, same format, that get a <c>554 5.7.1</c> greeting and are closed at
    /// once. An address on both lists is allowed: the allow list is the operator's explicit
    /// exception. Reloaded like <see cref="AllowList"/>. Default: none.
    /// </summary>
    public string? DenyList { get; set; }

    /// <summary>
    /// Networks of trusted proxies (HAProxy, a cloud load balancer) that must open every
    /// connection with a PROXY protocol v1 or v2 header naming the real client. From any other
    /// source a PROXY header is refused as non-SMTP. Default: none (no proxy is trusted), since
    /// trusting a header from anyone would let any client pick the address it is recorded as.
    /// </summary>
    public List<string> ProxyProtocolFrom { get; set; } = [];

    /// <summary>
    /// How long a trusted proxy has to deliver its complete header. Default 5 s, like Postfix's
    /// smtpd_upstream_proxy_timeout: a proxy sends it at once, so a slow one is broken or hostile.
    /// </summary>
    public TimeSpan ProxyHeaderTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A pause before the 220 banner; a client that talks during it is an early talker (most
    /// bots do not wait for the banner, RFC 5321 §4.3.1 says clients must). Default 0 (off):
    /// any pause delays every legitimate retry too; 2-6 s is what postscreen users run.
    /// Bytes that arrived before the banner are flagged even with no pause.
    /// </summary>
    public TimeSpan GreetDelay { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Slows replies down to waste a bot's time: off, stutter or delay. Default off: a tarpit
    /// holds a connection open per victim, so it is opt-in and capped by
    /// <see cref="TarpitMaxSessions"/>.
    /// </summary>
    public TarpitMode Tarpit { get; set; } = TarpitMode.Off;

    /// <summary>
    /// Which replies the tarpit slows, as a comma-separated list of greeting, helo, mail, rcpt,
    /// data, other, or all. Default <c>greeting,helo,mail,rcpt,data</c>: the whole envelope,
    /// but not errors or NOOP, so a client's mistakes cost it no extra time from us.
    /// </summary>
    public string TarpitStages { get; set; } = "greeting,helo,mail,rcpt,data";

    /// <summary>
    /// Stutter mode: the pause between chunks. Default 1 s, spamd's stutter: a 60-byte reply
    /// then takes a minute, yet the connection is never idle long enough to look dead.
    /// </summary>
    public TimeSpan TarpitInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Stutter mode: bytes sent per interval. Default 1, spamd's choice.</summary>
    public int TarpitBytes { get; set; } = 1;

    /// <summary>
    /// Delay mode: how long each reply is held. Default 10 s, well inside the 5-minute reply
    /// timeouts RFC 5321 §4.5.3.2 gives clients, so a patient MTA is not made to fail.
    /// </summary>
    public TimeSpan TarpitDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Sessions tarpitted at once; sessions beyond it get full-speed replies, so the tarpit can
    /// never tie up more than this many connections. Default 100: a hundredth of the default
    /// connection cap.
    /// </summary>
    public int TarpitMaxSessions { get; set; } = 100;

    /// <summary>
    /// How often the allow, deny and certificate files are checked for changes, besides the
    /// file-system watcher (which can miss changes on network file systems) and SIGHUP.
    /// Default 10 s.
    /// </summary>
    public TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromSeconds(10);
}
