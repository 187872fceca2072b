using FakeMx.EndToEnd.Support;

namespace FakeMx.EndToEnd.Check;

/// <summary>
/// dnsmasq on 127.0.0.1 serving good and broken MX layouts, a real MX (smtp-sink) on
/// 127.0.0.2 and FakeMX on 127.0.0.3, both on the same free port, for <c>fakemx check</c>.
/// </summary>
public sealed class CheckZones : IAsyncLifetime
{
    public const string RealMx = "127.0.0.2";
    public const string FakeMx = "127.0.0.3";

    private readonly List<IAsyncDisposable> _running = [];

    public Dnsmasq Dns { get; private set; } = null!;

    /// <summary>The SMTP port both MX servers listen on (what <c>--port</c> is given).</summary>
    public int SmtpPort { get; private set; }

    public static Zone Zone { get; } = new Zone()
        .Mx("good.test", "mx.good.test", 10).Mx("good.test", "fakemx.good.test", 50)
        .A("mx.good.test", RealMx).A("fakemx.good.test", FakeMx)
        .Mx("notlowest.test", "fakemx.good.test", 10).Mx("notlowest.test", "mx.good.test", 20)
        .Mx("tied.test", "mx.good.test", 10).Mx("tied.test", "fakemx.good.test", 10)
        .Mx("alone.test", "fakemx.good.test", 50)
        .Mx("cname.test", "alias.cname.test", 10).Mx("cname.test", "fakemx.good.test", 50)
        .Cname("alias.cname.test", "mx.good.test")
        .Mx("noaddress.test", "mx.noaddress.test", 10).Mx("noaddress.test", "fakemx.good.test", 50)
        .Mx("literal.test", "192.0.2.25", 10).Mx("literal.test", "fakemx.good.test", 50)
        .NullMx("null.test")
        .Mx("nolisting.test", "fakemx.good.test", 5).Mx("nolisting.test", "mx.good.test", 10);

    public async Task InitializeAsync()
    {
        Dns = await Dnsmasq.StartOnLoopbackAsync(Zone);
        _running.Add(Dns);
        for (var attempt = 0; ; attempt++)
        {
            SmtpPort = Random.Shared.Next(30000, 60000);
            var sink = ChildProcess.Start("smtp-sink", "smtp-sink",
                ["-u", "postfix", "-h", "mx.good.test", $"{RealMx}:{SmtpPort}", "10"]);
            _running.Add(sink);
            try
            {
                await Wait.UntilAsync(
                    async () => sink.HasExited
                        ? throw new InvalidOperationException($"smtp-sink exited:\n{sink.Transcript}")
                        : (await Command.RunAsync("ss", "-Hltn", "src", $"{RealMx}:{SmtpPort}")).Stdout.Length > 0,
                    TimeSpan.FromSeconds(15), () => "smtp-sink to listen");
                break;
            }
            catch (InvalidOperationException) when (attempt < 5)
            {
                await sink.DisposeAsync();
            }
        }
    }

    /// <summary>Starts a FakeMX on 127.0.0.3 at <see cref="SmtpPort"/>; the test disposes it.</summary>
    public async Task<ChildProcess> StartFakeMxAsync(string deferAt)
    {
        var fakemx = ChildProcess.Start("fakemx", Repo.FakeMxExecutable,
        [
            "serve", "--listen", $"{FakeMx}:{SmtpPort}", "--hostname", "fakemx.good.test", "--defer-at", deferAt,
            "--log-format", "json", "--http", "off",
        ]);
        await fakemx.WaitForLineAsync(line => line.Contains("\"EventId\":1000,", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "its LISTEN line");
        return fakemx;
    }

    public async Task DisposeAsync()
    {
        foreach (var running in Enumerable.Reverse(_running))
        {
            await running.DisposeAsync();
        }
    }
}
