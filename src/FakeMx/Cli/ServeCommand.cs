using System.CommandLine;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using FakeMx.Hosting;
using FakeMx.Server;
using FakeMx.Smtp;
using FakeMx.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FakeMx.Cli;

/// <summary><c>fakemx serve</c>: runs the SMTP server until SIGTERM or SIGINT.</summary>
public static class ServeCommand
{
    /// <summary>Every flag of <c>serve</c>, with the configuration key it sets.</summary>
    public static IReadOnlyList<ConfigFlag> Flags { get; } =
    [
        new("--listen", "Smtp:Listen", "SMTP endpoint ADDR:PORT, [V6ADDR]:PORT or *:PORT; repeatable",
            "*:25 (every IPv4 and IPv6 address)", repeatable: true),
        new("--hostname", "Smtp:Hostname", "Name in the banner and replies", "the machine's FQDN"),
        new("--defer-at", "Smtp:DeferAt", "Stage that gets the temporary failure: connect|helo|mail|rcpt|data",
            "data"),
        new("--reply-text", "Smtp:ReplyText", "Text of the deferral reply",
            "Service temporarily unavailable, please try again later"),
        new("--max-connections", "Smtp:MaxConnections", "Open SMTP connections in all", "10000"),
        new("--max-connections-per-ip", "Smtp:MaxConnectionsPerIp", "Open SMTP connections per client address",
            "10"),
        new("--max-errors", "Smtp:MaxErrors", "Errors a session may make before 421", "10"),
        new("--max-commands", "Smtp:MaxCommands", "Commands a session may send before 421", "300"),
        new("--max-recipients", "Smtp:MaxRecipients", "Recipients per transaction before 452", "100"),
        new("--max-message-size", "Smtp:MaxMessageSize", "SIZE advertised in EHLO, in bytes", "10240000"),
        new("--idle-timeout", "Smtp:IdleTimeout", "Wait for the next command before 421", "60s"),
        new("--session-timeout", "Smtp:SessionTimeout", "Longest session before 421", "5m"),
        new("--listen-backlog", "Smtp:ListenBacklog", "Kernel accept queue length per listener", "4096"),
        new("--shutdown-timeout", "Smtp:ShutdownTimeout", "Longest wait on SIGTERM before exit", "5s"),
        new("--connection-rate-per-ip", "Abuse:ConnectionRatePerIp",
            "New connections per client address, N/PERIOD or off; more get 421", "30/1m", helpName: "N/PERIOD"),
        new("--connection-rate-per-network", "Abuse:ConnectionRatePerNetwork",
            "New connections per /24 (IPv4) or /64 (IPv6), N/PERIOD or off; more get 421", "300/1m",
            helpName: "N/PERIOD"),
        new("--allow-list", "Abuse:AllowList",
            "File of CIDRs never rate-limited nor capped per address (reloaded on change and SIGHUP)", null,
            helpName: "FILE"),
        new("--deny-list", "Abuse:DenyList", "File of CIDRs answered 554 5.7.1 at connect (reloaded likewise)",
            null, helpName: "FILE"),
        new("--proxy-protocol-from", "Abuse:ProxyProtocolFrom",
            "Trusted proxy network that must send a PROXY v1/v2 header; repeatable", null, repeatable: true,
            helpName: "CIDR"),
        new("--proxy-header-timeout", "Abuse:ProxyHeaderTimeout", "Wait for a trusted proxy's header", "5s"),
        new("--greet-delay", "Abuse:GreetDelay", "Pause before the banner to catch early talkers", "0 (off)",
            helpName: "DURATION"),
        new("--tarpit", "Abuse:Tarpit", "Slow replies down: off|stutter|delay", "off", helpName: "MODE"),
        new("--tarpit-stages", "Abuse:TarpitStages",
            "Replies to slow: greeting,helo,mail,rcpt,data,other or all", "greeting,helo,mail,rcpt,data"),
        new("--tarpit-interval", "Abuse:TarpitInterval", "Stutter: pause between chunks", "1s"),
        new("--tarpit-bytes", "Abuse:TarpitBytes", "Stutter: bytes per chunk", "1", helpName: "N"),
        new("--tarpit-delay", "Abuse:TarpitDelay", "Delay: how long each reply is held", "10s"),
        new("--tarpit-max-sessions", "Abuse:TarpitMaxSessions",
            "Sessions tarpitted at once; the rest get full speed", "100", helpName: "N"),
        new("--reload-check-interval", "Abuse:ReloadCheckInterval",
            "How often list and certificate files are checked for changes", "10s"),
        new("--tls", "Smtp:Tls", "STARTTLS with a generated certificate: self-signed (or off)", "off",
            helpName: "MODE"),
        new("--tls-cert", "Smtp:TlsCert", "PEM certificate (chain) for STARTTLS; reloaded on change", null,
            helpName: "FILE"),
        new("--tls-key", "Smtp:TlsKey", "PEM private key of --tls-cert", null, helpName: "FILE"),
        new("--tls-handshake-timeout", "Smtp:TlsHandshakeTimeout", "Longest TLS handshake after STARTTLS",
            "10s"),
        new("--node", "Node", "Node name recorded with every session", "the machine name"),
        new("--store", "Store:Location",
            "Event store: a SQLite file PATH, or a PostgreSQL connection string (Host=...) or postgresql:// URI",
            "fakemx.db in the working directory"),
        new("--retention-days", "Store:RetentionDays", "Delete sessions older than N days (0 keeps all)", "90"),
        new("--store-queue", "Store:QueueCapacity", "Sessions held in memory for the store before drops",
            "20000"),
        new("--store-batch", "Store:BatchSize",
            "Sessions per store transaction (4 times as many while a backlog waits)", "500"),
        new("--store-recipients", "Store:MaxRecipients", "Recipients stored by name per session", "100"),
        new("--log-level", "Logging:LogLevel:Default",
            "trace|debug|information|warning|error|critical|none", "information"),
        new("--log-format", "LogFormat", "Console log format: text|json", "text"),
        new("--http", "Http:Listen", "HTTP endpoint (metrics, API, dashboard) ADDR:PORT, or off",
            "127.0.0.1:8025"),
        new("--http-token", "Http:Token", "Access token the HTTP endpoint requires (Bearer); prefer a file", null),
        new("--http-token-file", "Http:TokenFile", "File whose first line is the HTTP access token", null),
        new("--http-allow-anonymous", "Http:AllowAnonymous",
            "Serve HTTP on a non-loopback address without a token", null, isSwitch: true),
    ];

    public static Command Create()
    {
        var config = new Option<string>("--config")
        {
            Description = "JSON configuration file (appsettings.json layout; flags override it)",
            HelpName = "FILE",
        };

        var command = new Command("serve", "Run the SMTP server: every delivery attempt gets a temporary failure");
        command.Options.Add(config);
        foreach (var flag in Flags)
        {
            command.Options.Add(flag.Option);
        }

        command.SetAction((parse, _) => RunAsync(parse.GetValue(config), Settings(parse)));
        return command;
    }

    /// <summary>The configuration entries set by the flags given on the command line.</summary>
    public static Dictionary<string, string?> Settings(ParseResult parse)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var flag in Flags)
        {
            flag.AddTo(parse, settings);
        }

        return settings;
    }

    private static async Task<int> RunAsync(string? configFile, Dictionary<string, string?> settings)
    {
        var problem = CheckFlagValues(settings);
        if (problem is not null)
        {
            return Cli.Fail(ExitCodes.Usage, $"invalid configuration: {problem}");
        }

        WebApplication app;
        try
        {
            app = FakeMxHost.Build(configFile, settings);
        }
        catch (ConfigurationProblem error)
        {
            foreach (var line in error.Problems)
            {
                Console.Error.WriteLine($"fakemx: invalid configuration: {line}");
            }

            return ExitCodes.Usage;
        }

        await using (app)
        {
            var listen = app.Services.GetRequiredService<SmtpOptions>().Listen;
            var http = app.Services.GetRequiredService<HttpOptions>();
            var bindProblem = ListenPreflight.Check(listen)
                ?? (http.Enabled ? ListenPreflight.Check([http.Listen], "--http") : null);
            if (bindProblem is not null)
            {
                return Cli.Fail(ExitCodes.Failure, bindProblem);
            }

            try
            {
                await app.StartAsync();
            }
            catch (Exception error) when (error is IOException or SocketException)
            {
                var code = (error as SocketException ?? error.InnerException as SocketException)?.SocketErrorCode;
                if (error.InnerException is AddressInUseException)
                {
                    code = SocketError.AddressAlreadyInUse;
                }

                return Cli.Fail(ExitCodes.Failure, ListenPreflight.Explain(string.Join(", ", listen), code));
            }

            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("FakeMx.Server");
            foreach (var endpoint in app.Services.GetRequiredService<SmtpListeners>().Endpoints)
            {
                SmtpLog.Listening(logger, endpoint.ToString());
            }

            await app.WaitForShutdownAsync();
        }

        return ExitCodes.Ok;
    }

    /// <summary>Checks flag values that need more than the binder to explain a mistake.</summary>
    private static string? CheckFlagValues(Dictionary<string, string?> settings)
    {
        if (settings.TryGetValue("Smtp:DeferAt", out var stage)
            && !Labels.TryParse<DeferStage>(stage ?? string.Empty, out _))
        {
            return $"--defer-at: '{stage}' is not a stage; use connect, helo, mail, rcpt or data";
        }

        string[] durations =
        [
            "Smtp:IdleTimeout", "Smtp:SessionTimeout", "Smtp:ShutdownTimeout", "Smtp:TlsHandshakeTimeout",
            "Abuse:ProxyHeaderTimeout", "Abuse:GreetDelay", "Abuse:TarpitInterval", "Abuse:TarpitDelay",
            "Abuse:ReloadCheckInterval",
        ];
        foreach (var key in durations)
        {
            if (settings.TryGetValue(key, out var text) && !Duration.TryParse(text, out _)
                && !(key == "Abuse:GreetDelay" && text is "0" or "off"))
            {
                return $"--{Labels.Kebab(key.Split(':')[1])}: '{text}' is not a duration; use {Duration.Formats}";
            }
        }

        if (settings.TryGetValue("Abuse:GreetDelay", out var greet) && greet is "0" or "off")
        {
            settings["Abuse:GreetDelay"] = "0s";
        }

        if (settings.TryGetValue("Abuse:Tarpit", out var tarpit) && !Labels.TryParse<TarpitMode>(tarpit ?? "", out _))
        {
            return $"--tarpit: '{tarpit}' is not a mode; use off, stutter or delay";
        }

        foreach (var flag in Flags.Where(f => f.Option.HelpName == "N" || IsNumeric(f.Key)))
        {
            if (settings.TryGetValue(flag.Key, out var number) && !long.TryParse(number, out _))
            {
                return $"{flag.Option.Name}: '{number}' is not a whole number";
            }
        }

        if (settings.TryGetValue("Logging:LogLevel:Default", out var level)
            && !Enum.TryParse<LogLevel>(level, ignoreCase: true, out _))
        {
            return $"--log-level: '{level}' is not a level; use trace, debug, information, warning, error, " +
                "critical or none";
        }

        if (settings.TryGetValue("LogFormat", out var format) && format is not ("text" or "json"))
        {
            return $"--log-format: '{format}' is not a format; use text or json";
        }

        return null;
    }

    private static bool IsNumeric(string key) =>
        key.StartsWith("Smtp:Max", StringComparison.Ordinal)
        || key is "Smtp:ListenBacklog" or "Abuse:TarpitBytes" or "Abuse:TarpitMaxSessions"
        || key is "Store:RetentionDays" or "Store:QueueCapacity" or "Store:BatchSize" or "Store:MaxRecipients";
}
