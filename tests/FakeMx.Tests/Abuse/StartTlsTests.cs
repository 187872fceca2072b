using System.Diagnostics;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FakeMx.Hosting;
using FakeMx.Smtp;
using FakeMx.Tests.Server;
using FakeMx.Tests.Support;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace FakeMx.Tests.Abuse;

/// <summary>STARTTLS against the real server with real clients: swaks, MailKit and a raw SslStream.</summary>
public sealed class StartTlsTests
{
    private static Task<RunningServer> StartAsync(params (string, string)[] more) =>
        RunningServer.StartAsync([("Smtp:Tls", "self-signed"), ("Smtp:TlsHandshakeTimeout", "1s"), .. more]);

    [Fact]
    public async Task Swaks_starts_tls_and_meets_the_same_451_at_data()
    {
        await using var server = await StartAsync();
        var (exit, transcript) = await RunAsync("swaks", "--server", $"127.0.0.1:{server.Port}",
            "--from", "sender@example.org", "--to", "user@example.test", "--tls", "--timeout", "10");

        Assert.Contains("=== TLS started with cipher", transcript);
        Assert.Contains("<~* 451 4.7.1", transcript);
        Assert.Equal(25, exit);

        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.True(recorded.Tls);
        Assert.Equal("TLSv1.3", recorded.TlsVersion);
        Assert.Equal(SessionStage.Data, recorded.Stage);
        Assert.Equal(451, recorded.ReplyCode);
    }

    [Fact]
    public async Task MailKit_negotiates_starttls_and_is_deferred_at_data()
    {
        await using var server = await StartAsync();
        using var client = new SmtpClient();
        client.ServerCertificateValidationCallback = (_, certificate, _, _) =>
            certificate?.Subject == $"CN={RunningServer.Hostname}";

        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(DeferralTests.Message()));
        Assert.Equal(451, (int)error.StatusCode);
        await client.DisconnectAsync(quit: true);

        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.True(recorded.Tls);
        Assert.StartsWith("TLSv1.", recorded.TlsVersion);
        Assert.Equal("sender@example.org", recorded.MailFrom);
        Assert.Equal(1, server.Metrics.Sum("fakemx.smtp.tls_handshakes", "result", "ok"));
    }

    [Fact]
    public async Task Starttls_is_neither_offered_nor_accepted_without_a_certificate()
    {
        await using var server = await RunningServer.StartAsync();
        await using var wire = await SmtpWire.ConnectAsync(server.Port);
        await wire.ReadReplyAsync();
        await wire.SendAsync("EHLO client.test\r\n");
        Assert.DoesNotContain("STARTTLS", await wire.ReadReplyAsync());
        await wire.SendAsync("STARTTLS\r\n");
        Assert.StartsWith("502 ", await wire.ReadReplyAsync());
    }

    [Fact]
    public async Task Garbage_instead_of_a_handshake_is_closed_without_harm()
    {
        await using var server = await StartAsync();
        await using (var wire = await StartTlsWireAsync(server.Port))
        {
            await wire.SendAsync("EHLO this is not a client hello\r\n" + new string('x', 300));
            Assert.True(await wire.IsClosedByServerAsync(TimeSpan.FromSeconds(5)));
        }

        Assert.Equal(SessionEnd.TlsFailed, Assert.Single(await server.Events.WaitForAsync(1)).End);
        await using var next = await SmtpWire.ConnectAsync(server.Port);
        Assert.StartsWith("220 ", await next.ReadReplyAsync());
    }

    [Fact]
    public async Task A_client_silent_after_starttls_is_closed_when_the_handshake_timeout_passes()
    {
        await using var server = await StartAsync();
        await using var wire = await StartTlsWireAsync(server.Port);
        var started = Stopwatch.StartNew();

        Assert.True(await wire.IsClosedByServerAsync(TimeSpan.FromSeconds(10)));
        Assert.InRange(started.Elapsed.TotalSeconds, 0.8, 5);
        Assert.Equal(SessionEnd.TlsFailed, Assert.Single(await server.Events.WaitForAsync(1)).End);
        Assert.Contains("timed out", Assert.Single(server.Logs.WithId(LogEvents.TlsFailed)).Message);
    }

    [Fact]
    public async Task Commands_pipelined_after_starttls_are_discarded_not_run_inside_tls()
    {
        await using var server = await StartAsync();
        await using var wire = await SmtpWire.ConnectAsync(server.Port);
        await wire.ReadReplyAsync();
        await wire.SendAsync("EHLO client.test\r\n");
        await wire.ReadReplyAsync();

        // The classic injection: plaintext commands riding behind STARTTLS in the same packet.
        await wire.SendAsync("STARTTLS\r\nMAIL FROM:<injected@example.org>\r\nRCPT TO:<victim@example.test>\r\n");
        Assert.Equal("220 2.0.0 Ready to start TLS", await wire.ReadReplyAsync());

        await using var tls = new SslStream(wire.Stream, leaveInnerStreamOpen: true, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = RunningServer.Hostname,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        });
        var reader = new StreamReader(tls, Encoding.ASCII);

        // Had the MAIL been run, this RCPT would get 250; the session started over instead.
        await tls.WriteAsync("EHLO client.test\r\nRCPT TO:<b@example.test>\r\nQUIT\r\n"u8.ToArray());
        string? line;
        var replies = new List<string>();
        while ((line = await reader.ReadLineAsync()) is not null)
        {
            replies.Add(line);
        }

        Assert.StartsWith("250 ", replies.First(r => r.StartsWith("250 ")));
        Assert.DoesNotContain(replies, r => r.Contains("STARTTLS"));
        Assert.Contains(replies, r => r.StartsWith("503 5.5.1"));
        Assert.DoesNotContain(replies, r => r.StartsWith("250 2.1."));

        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.Null(recorded.MailFrom);
        Assert.Empty(recorded.Recipients);
        Assert.True(recorded.Tls);
        Assert.Contains("bytes pipelined after STARTTLS discarded",
            Assert.Single(server.Logs.WithId(LogEvents.StartTlsInjection)).Message);
    }

    [Fact]
    public async Task A_pem_certificate_is_used_and_replaced_when_its_files_change()
    {
        using var folder = new TempFolder();
        var (cert, key) = WritePem(folder, "first.fakemx.test");
        await using var server = await RunningServer.StartAsync(
            ("Smtp:TlsCert", cert), ("Smtp:TlsKey", key), ("Abuse:ReloadCheckInterval", "500ms"));

        Assert.Equal("CN=first.fakemx.test", await PresentedSubjectAsync(server.Port));

        WritePem(folder, "second.fakemx.test");
        Assert.True(await ConnectionPolicyTests.EventuallyAsync(async () =>
            await PresentedSubjectAsync(server.Port) == "CN=second.fakemx.test"), "the new certificate was not loaded");
        Assert.NotEmpty(server.Logs.WithId(LogEvents.CertificateLoaded));
    }

    [Fact]
    public async Task A_certificate_without_its_key_is_a_configuration_error()
    {
        var error = await Assert.ThrowsAsync<ConfigurationProblem>(() =>
            RunningServer.StartAsync(("Smtp:TlsCert", "/nonexistent/cert.pem")));
        Assert.Contains("--tls-cert and --tls-key: give both", error.Message);
    }

    private static async Task<SmtpWire> StartTlsWireAsync(int port)
    {
        var wire = await SmtpWire.ConnectAsync(port);
        await wire.ReadReplyAsync();
        await wire.SendAsync("EHLO client.test\r\n");
        Assert.Contains("STARTTLS", await wire.ReadReplyAsync());
        await wire.SendAsync("STARTTLS\r\n");
        Assert.StartsWith("220 2.0.0", await wire.ReadReplyAsync());
        return wire;
    }

    private static async Task<string> PresentedSubjectAsync(int port)
    {
        await using var wire = await StartTlsWireAsync(port);
        string? subject = null;
        await using var tls = new SslStream(wire.Stream, leaveInnerStreamOpen: true, (_, certificate, _, _) =>
        {
            subject = certificate?.Subject;
            return true;
        });
        await tls.AuthenticateAsClientAsync(RunningServer.Hostname);
        return subject!;
    }

    private static (string Cert, string Key) WritePem(TempFolder folder, string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));
        var keyPath = folder.Write("key.pem", key.ExportPkcs8PrivateKeyPem());
        var certPath = folder.Write("cert.pem", certificate.ExportCertificatePem());
        return (certPath, keyPath);
    }

    private static async Task<(int Exit, string Output)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }
}
