using System.Globalization;
using System.Net;
using FakeMx.Events;
using FakeMx.Server;
using FakeMx.Smtp;
using FakeMx.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace FakeMx.Hosting;

/// <summary>
/// Builds the one Generic Host that runs FakeMX: Kestrel with the SMTP listeners, the session
/// monitor, and the services around them. Configuration comes, lowest priority first, from
/// the built-in defaults, the <c>--config</c> file, <c>FAKEMX__*</c> environment variables and
/// the command-line flags.
/// </summary>
public static class FakeMxHost
{
    public const string EnvironmentPrefix = "FAKEMX__";

    /// <summary>
    /// Builds the host. Throws <see cref="ConfigurationProblem"/> for invalid settings.
    /// </summary>
    public static WebApplication Build(
        string? configFile,
        IReadOnlyDictionary<string, string?> flags,
        Action<WebApplicationBuilder>? customize = null)
    {
        Duration.RegisterWithConfiguration();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "fakemx",
            ContentRootPath = Directory.GetCurrentDirectory(),

            // The default appsettings.json source watches the content root recursively for
            // changes, even though AddConfiguration replaces it: from a service's working
            // directory of / that walk alone delayed the first banner by seconds, and every
            // later file write under the directory woke a watcher thread. FakeMX never
            // reloads configuration, so nothing is watched.
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });

        AddConfiguration(builder.Configuration, configFile, flags);
        var smtp = BindSmtpOptions(builder.Configuration);
        var (abuse, tls) = BindAbuseOptions(builder.Configuration, smtp);
        var http = HttpOptions.Bind(builder.Configuration, smtp.Listen, out var httpProblems);
        if (httpProblems.Count > 0)
        {
            throw new ConfigurationProblem(httpProblems);
        }

        var node = builder.Configuration["Node"] is { Length: > 0 } name ? name : Environment.MachineName;

        // Type=notify under systemd (READY=1 once listening, STOPPING=1 on shutdown); a no-op
        // elsewhere. Before logging, so --log-format still decides the console format.
        builder.Services.AddSystemd();
        ConfigureLogging(builder);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = smtp.ShutdownTimeout);

        builder.Services.AddSingleton(smtp);
        builder.Services.AddSingleton(new SmtpReplies(smtp.Hostname!, smtp.ReplyText, smtp.MaxMessageSize));
        builder.Services.AddSingleton(new NodeIdentity(node));
        builder.Services.AddSingleton<ConnectionRegistry>();
        builder.Services.AddSingleton<MemoryTrimmer>();
        builder.Services.AddSingleton(abuse);
        builder.Services.AddSingleton(tls);

        // Loaded here, not on first use, so a bad list or certificate stops the start with a
        // clear message instead of failing the first connection.
        builder.Services.AddSingleton(new AccessLists(abuse));
        builder.Services.AddSingleton(new TlsCertificates(tls, smtp.Hostname!));
        builder.Services.AddSingleton<ConnectionPolicy>();
        builder.Services.AddSingleton<Tarpit>();
        builder.Services.AddHostedService<FileReloader>();
        builder.Services.AddSingleton<FakeMxMetrics>();
        builder.Services.AddSingleton<SmtpListeners>();
        builder.Services.AddSingleton<SmtpConnectionHandler>();
        builder.Services.AddHostedService<SessionMonitor>();
        builder.Services.AddEventStore(builder.Configuration);
        WebEndpoint.AddServices(builder.Services, http);

        // Each connection's SMTP work runs on the socket's event thread instead of passing
        // every read and write through the thread pool: the handler never blocks (replies are
        // prebuilt, events go to a bounded queue), and with a few cores the hand-offs (thread
        // wake-ups, context switches) cost more than the SMTP work itself.
        PreferInlineSocketCompletions();
        builder.WebHost.UseSockets(o =>
        {
            o.Backlog = smtp.ListenBacklog;
            o.UnsafePreferInlineScheduling = true;
        });
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.AddServerHeader = false;
            var listeners = kestrel.ApplicationServices.GetRequiredService<SmtpListeners>();
            foreach (var listen in smtp.Listen)
            {
                ListenEndpoint.TryParse(listen, out var endpoint, out var port, out _);
                void Smtp(ListenOptions options)
                {
                    options.UseConnectionHandler<SmtpConnectionHandler>();
                    listeners.Add(options);
                }

                if (endpoint is null)
                {
                    kestrel.ListenAnyIP(port, Smtp);
                }
                else
                {
                    kestrel.Listen(endpoint, Smtp);
                }
            }

            WebEndpoint.Listen(kestrel, http);
        });

        customize?.Invoke(builder);
        var app = builder.Build();

        // Connections run on the socket event threads (see UseSockets above). SMTP work never
        // blocks there, but an HTTP request may (a store query), and it would hold up every
        // SMTP session sharing its thread; so HTTP requests continue on the thread pool.
        app.Use(async (context, next) =>
        {
            await Task.Yield();
            await next(context);
        });
        WebEndpoint.Map(app);
        return app;
    }

    /// <summary>
    /// Asks the runtime to complete socket operations on its event threads, which Kestrel's
    /// inline scheduling needs to avoid the thread pool entirely, on half the cores' worth of
    /// event threads. The runtime reads these variables once, when the first socket is created,
    /// so they are set before Kestrel starts; a value the operator set is left alone.
    /// </summary>
    private static void PreferInlineSocketCompletions()
    {
        SetUnlessGiven("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

        // With SMTP work inline, the event threads are where FakeMX runs. One per core left
        // nothing for the store writer, the logger and the GC, and on two cores measured 1.55x
        // smtp-sink's CPU per session against 1.12x with one thread (bench/RESULTS.md).
        SetUnlessGiven("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT",
            Math.Max(1, Environment.ProcessorCount / 2).ToString(CultureInfo.InvariantCulture));
    }

    private static void SetUnlessGiven(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is null)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    private static void AddConfiguration(
        IConfigurationBuilder configuration,
        string? configFile,
        IReadOnlyDictionary<string, string?> flags)
    {
        configuration.Sources.Clear();
        if (configFile is not null)
        {
            var path = Path.GetFullPath(configFile);
            if (!File.Exists(path))
            {
                throw new ConfigurationProblem($"--config: file '{configFile}' does not exist");
            }

            configuration.AddJsonFile(path, optional: false, reloadOnChange: false);
        }

        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        configuration.AddInMemoryCollection(flags);
    }

    private static SmtpOptions BindSmtpOptions(IConfiguration configuration)
    {
        var smtp = new SmtpOptions();
        try
        {
            configuration.GetSection(SmtpOptions.Section).Bind(smtp);
        }
        catch (InvalidOperationException error)
        {
            var cause = error.InnerException?.Message ?? string.Empty;
            throw new ConfigurationProblem($"{error.Message.TrimEnd('.')}. {cause}".Trim());
        }

        if (smtp.Listen.Count == 0)
        {
            smtp.Listen.Add("*:25");
        }

        smtp.Hostname ??= MachineFqdn();
        var problems = SmtpOptionsValidator.Validate(smtp);
        if (problems.Count > 0)
        {
            throw new ConfigurationProblem(problems);
        }

        return smtp;
    }

    private static (AbuseOptions, TlsOptions) BindAbuseOptions(IConfiguration configuration, SmtpOptions smtp)
    {
        var abuse = new AbuseOptions();
        var tls = new TlsOptions();
        try
        {
            configuration.GetSection(AbuseOptions.Section).Bind(abuse);
            configuration.GetSection(SmtpOptions.Section).Bind(tls);
        }
        catch (InvalidOperationException error)
        {
            var cause = error.InnerException?.Message ?? string.Empty;
            throw new ConfigurationProblem($"{error.Message.TrimEnd('.')}. {cause}".Trim());
        }

        var problems = AbuseOptionsValidator.Validate(abuse, tls, smtp.IdleTimeout);
        if (problems.Count > 0)
        {
            throw new ConfigurationProblem(problems);
        }

        return (abuse, tls);
    }

    private static void ConfigureLogging(WebApplicationBuilder builder)
    {
        var logging = builder.Logging;
        logging.ClearProviders();
        logging.AddConfiguration(builder.Configuration.GetSection("Logging"));

        var level = builder.Configuration["Logging:LogLevel:Default"];
        logging.SetMinimumLevel(LogLevel.Information);
        if (level is not null && Enum.TryParse<LogLevel>(level, ignoreCase: true, out var parsed))
        {
            logging.SetMinimumLevel(parsed);
        }

        // Kestrel's own per-connection chatter is noise next to FakeMX's session lines.
        logging.AddFilter("Microsoft", LogLevel.Warning);

        if (string.Equals(builder.Configuration["LogFormat"], "json", StringComparison.OrdinalIgnoreCase))
        {
            logging.AddJsonConsole(o =>
            {
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        }

        // The formatters and options registered above stay; only the standard console provider,
        // which costs a thread wake-up and a write per line, gives way to the batched one.
        var standard = builder.Services.Where(d => d.ServiceType == typeof(ILoggerProvider)
            && d.ImplementationType == typeof(ConsoleLoggerProvider)).ToList();
        foreach (var descriptor in standard)
        {
            builder.Services.Remove(descriptor);
        }

        builder.Services.AddSingleton<ILoggerProvider, BatchedConsoleLoggerProvider>();
    }

    private static string MachineFqdn()
    {
        var name = System.Net.Dns.GetHostName();
        try
        {
            var entry = System.Net.Dns.GetHostEntry(name);
            return entry.HostName.Contains('.') ? entry.HostName : name;
        }
        catch (Exception)
        {
            return name;
        }
    }
}
