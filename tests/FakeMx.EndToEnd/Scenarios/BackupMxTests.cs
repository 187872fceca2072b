using System.Text.Json;
using FakeMx.EndToEnd.Support;

namespace FakeMx.EndToEnd.Scenarios;

/// <summary>
/// FakeMX as the least preferred MX of backup.test (real MX 10, FakeMX 50), seen through a
/// real sending Postfix that resolves the MX records from dnsmasq. The evidence is Postfix's
/// own log and queue on both sides, and FakeMX's session log.
/// </summary>
[Collection(MailLabCollection.Name)]
public sealed class BackupMxTests(MailLab lab)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Mail_goes_to_the_primary_and_FakeMx_sees_no_connection_while_the_primary_is_up()
    {
        const string scenario = "primary-up";
        var artifacts = Repo.ArtifactsFor(scenario);
        await using var fakemx = await lab.StartFakeMxAsync("data");
        await using var primary = await lab.StartPrimaryAsync(scenario);
        await using var sender = await lab.StartSenderAsync(scenario);

        try
        {
            await sender.SendAsync("alice@sender.example.test", "bob@backup.test", "up@sender.example.test", "up");
            var sent = await sender.WaitForLogAsync(Patience, "to=<bob@backup.test>", "status=sent");
            await sender.WaitForLogAsync(Patience, ": removed");
            await primary.WaitForLogAsync(Patience, "to=<bob@backup.test>", "relay=virtual", "status=sent");

            Assert.Contains($"relay=mx.backup.test[{MailLab.PrimaryAddress}]:25", sent);
            Assert.Empty(sender.LinesWith("fakemx.backup.test"));
            Assert.Empty(sender.LinesWith("status=deferred"));
            Assert.Single(primary.LinesWith("message-id=<up@sender.example.test>"));
            Assert.Single(primary.DeliveredMessages());
            Assert.Contains("Mail queue is empty", await sender.QueueAsync());
            Assert.Empty(fakemx.SessionLines);
        }
        finally
        {
            sender.SaveLog(artifacts, "sender.maillog");
            primary.SaveLog(artifacts, "primary.maillog");
            fakemx.SaveLog(artifacts, "fakemx.jsonl");
        }
    }

    [Theory]
    [InlineData("closed", "connect")]
    [InlineData("closed", "mail")]
    [InlineData("closed", "rcpt")]
    [InlineData("closed", "data")]
    [InlineData("unreachable", "connect")]
    [InlineData("unreachable", "mail")]
    [InlineData("unreachable", "rcpt")]
    [InlineData("unreachable", "data")]
    public async Task Mail_is_deferred_by_FakeMx_while_the_primary_is_down_and_delivered_exactly_once_when_it_is_back(
        string outage, string deferAt)
    {
        var scenario = $"primary-{outage}-defer-at-{deferAt}";
        var artifacts = Repo.ArtifactsFor(scenario);
        var messageId = $"{outage}.{deferAt}@sender.example.test";
        await using var fakemx = await lab.StartFakeMxAsync(deferAt);
        await using var primary = await lab.CreatePrimaryAsync(scenario);
        await using var sender = await lab.StartSenderAsync(scenario);

        // Port closed: the primary's address answers, nothing listens (RST). Unreachable: the
        // address is gone, so the connection attempt times out.
        if (outage == "unreachable")
        {
            await lab.Network.RemoveAddressAsync("primary", MailLab.PrimaryOctet);
        }

        try
        {
            await sender.SendAsync("alice@sender.example.test", "bob@backup.test", messageId, scenario);

            // First attempt: the primary fails, FakeMX answers with its temporary failure.
            var deferred = await sender.WaitForLogAsync(Patience, "to=<bob@backup.test>", "status=deferred");
            var primaryFailure = outage == "closed" ? "Connection refused" : "Connection timed out";
            Assert.Single(sender.LinesWith($"connect to mx.backup.test[{MailLab.PrimaryAddress}]:25", primaryFailure));
            Assert.Contains($"fakemx.backup.test[{MailLab.FakeMxAddress}]", deferred);
            foreach (var part in ExpectedDeferral(deferAt))
            {
                Assert.Contains(part, deferred);
            }

            Assert.Empty(sender.LinesWith("status=bounced"));
            var queue = await sender.QueueAsync();
            Assert.Single(PostfixInstance.QueueIds(queue));
            Assert.Contains("bob@backup.test", queue);
            var session = Assert.Single(await fakemx.WaitForSessionsAsync(1, Patience));
            Assert.Equal(MailLab.SenderAddress, session.GetProperty("ClientIp").GetString());
            Assert.Equal(deferAt == "connect" ? 421 : 451, session.GetProperty("ReplyCode").GetInt32());

            // The primary comes back; the queue is flushed; the message arrives once.
            if (outage == "unreachable")
            {
                await lab.Network.AddAddressAsync("primary", MailLab.PrimaryOctet);
            }

            await primary.StartAsync();
            await primary.WaitUntilListeningAsync(MailLab.PrimaryAddress);
            await sender.FlushAsync();

            var sent = await sender.WaitForLogAsync(Patience, "to=<bob@backup.test>", "status=sent");
            await sender.WaitForLogAsync(Patience, ": removed");
            await primary.WaitForLogAsync(Patience, "to=<bob@backup.test>", "relay=virtual", "status=sent");

            Assert.Contains($"relay=mx.backup.test[{MailLab.PrimaryAddress}]:25", sent);
            Assert.Single(sender.LinesWith("to=<bob@backup.test>", "status=sent"));
            Assert.Empty(sender.LinesWith("status=bounced"));
            Assert.Single(primary.LinesWith($"message-id=<{messageId}>"));
            Assert.Single(primary.LinesWith("to=<bob@backup.test>", "status=sent"));
            var delivered = Assert.Single(primary.DeliveredMessages());
            Assert.Contains($"Message-Id: <{messageId}>", await File.ReadAllTextAsync(delivered));
            Assert.Contains("Mail queue is empty", await sender.QueueAsync());
            Assert.Single(fakemx.Sessions);
        }
        finally
        {
            if (outage == "unreachable")
            {
                // Put the address back whatever happened, for the scenarios that follow.
                await Command.RunAsync("ip", "-n", lab.Network.Namespace("primary"), "addr", "replace",
                    $"{MailLab.PrimaryAddress}/24", "dev", "eth0");
            }

            sender.SaveLog(artifacts, "sender.maillog");
            primary.SaveLog(artifacts, "primary.maillog");
            fakemx.SaveLog(artifacts, "fakemx.jsonl");
        }
    }

    /// <summary>What the sending Postfix logs for FakeMX's temporary failure at each stage.</summary>
    private static string[] ExpectedDeferral(string deferAt) => deferAt switch
    {
        "connect" => ["refused to talk to me: 421 4.7.0"],
        "mail" => ["said: 451 4.7.1", "(in reply to MAIL FROM command)"],
        "rcpt" => ["said: 451 4.7.1", "(in reply to RCPT TO command)"],
        _ => ["said: 451 4.7.1", "(in reply to DATA command)"],
    };
}
