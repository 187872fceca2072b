using FakeMx.EndToEnd.Support;

namespace FakeMx.EndToEnd.Scenarios;

/// <summary>
/// Nolisting: FakeMX published as the most preferred MX, refusing at connect, so a real MTA
/// moves on to the real MX in the same delivery attempt. And why the refusal must come at
/// connect: Postfix gives up a delivery attempt after smtp_mx_session_limit (2) sessions that
/// got past the greeting, so a FakeMX deferring at RCPT uses up one of them.
/// </summary>
[Collection(MailLabCollection.Name)]
public sealed class NolistingTests(MailLab lab)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task With_FakeMx_as_the_best_MX_refusing_at_connect_Postfix_delivers_to_the_real_MX_in_the_same_attempt()
    {
        const string scenario = "nolisting";
        var artifacts = Repo.ArtifactsFor(scenario);
        await using var fakemx = await lab.StartFakeMxAsync("connect", "fakemx.nolisting.test");
        await using var primary = await lab.StartPrimaryAsync(scenario);
        await using var sender = await lab.StartSenderAsync(scenario);

        try
        {
            await sender.SendAsync("alice@sender.example.test", "carol@nolisting.test", "nolisting@sender.example.test",
                scenario);
            var sent = await sender.WaitForLogAsync(Patience, "to=<carol@nolisting.test>", "status=sent");
            await primary.WaitForLogAsync(Patience, "to=<carol@nolisting.test>", "relay=virtual", "status=sent");

            Assert.Contains($"relay=mx.nolisting.test[{MailLab.PrimaryAddress}]:25", sent);
            Assert.Single(sender.LinesWith(
                $"host fakemx.nolisting.test[{MailLab.FakeMxAddress}] refused to talk to me: 421 4.7.0"));
            Assert.Empty(sender.LinesWith("status=deferred"));
            Assert.Single(primary.DeliveredMessages());
            var session = Assert.Single(await fakemx.WaitForSessionsAsync(1, Patience));
            Assert.Equal(421, session.GetProperty("ReplyCode").GetInt32());
        }
        finally
        {
            sender.SaveLog(artifacts, "sender.maillog");
            primary.SaveLog(artifacts, "primary.maillog");
            fakemx.SaveLog(artifacts, "fakemx.jsonl");
        }
    }

    [Fact]
    public async Task A_FakeMx_deferring_at_RCPT_before_a_greylisting_MX_uses_up_the_session_limit_and_the_mail_waits()
    {
        await AttemptThroughGreylistingAsync("greylisted-fakemx-rcpt", "rcpt", async (sender, primary, grey) =>
        {
            var deferred = Assert.Single(sender.LinesWith("to=<dave@greylisted.test>", "status=deferred"));
            Assert.Contains($"grey.greylisted.test[{MailLab.GreyAddress}]", deferred);
            Assert.Contains("(in reply to RCPT TO command)", deferred);
            Assert.Empty(sender.LinesWith("status=sent"));
            Assert.Empty(sender.LinesWith($"[{MailLab.PrimaryAddress}]"));
            Assert.Empty(primary.LinesWith("connect from"));
            Assert.Single(PostfixInstance.QueueIds(await sender.QueueAsync()));
            Assert.Single(grey.Lines, line => line.Contains("RCPT", StringComparison.Ordinal));
        });
    }

    [Fact]
    public async Task A_FakeMx_refusing_at_connect_before_a_greylisting_MX_leaves_a_session_for_the_real_MX()
    {
        await AttemptThroughGreylistingAsync("greylisted-fakemx-connect", "connect", (sender, primary, grey) =>
        {
            var sent = Assert.Single(sender.LinesWith("to=<dave@greylisted.test>", "status=sent"));
            Assert.Contains($"relay=mx.greylisted.test[{MailLab.PrimaryAddress}]:25", sent);
            Assert.Single(sender.LinesWith("fakemx.greylisted.test", "refused to talk to me: 421"));
            Assert.Single(primary.DeliveredMessages());
            Assert.Single(grey.Lines, line => line.Contains("RCPT", StringComparison.Ordinal));
            return Task.CompletedTask;
        });
    }

    /// <summary>
    /// greylisted.test: FakeMX at 1 (deferring at <paramref name="deferAt"/>), a greylisting MX
    /// at 2, the real MX at 3. Sends one message, waits for the attempt's outcome and hands the
    /// sender, the real MX and the greylisting MX to <paramref name="verify"/>.
    /// </summary>
    private async Task AttemptThroughGreylistingAsync(
        string scenario, string deferAt, Func<PostfixInstance, PostfixInstance, ChildProcess, Task> verify)
    {
        var artifacts = Repo.ArtifactsFor(scenario);
        await using var fakemx = await lab.StartFakeMxAsync(deferAt, "fakemx.greylisted.test");
        await using var grey = await lab.StartGreylistingMxAsync();
        await using var primary = await lab.StartPrimaryAsync(scenario);
        await using var sender = await lab.StartSenderAsync(scenario);

        try
        {
            await sender.SendAsync("alice@sender.example.test", "dave@greylisted.test", $"{scenario}@sender.example.test",
                scenario);
            var outcome = await sender.WaitForLogAsync(Patience, "to=<dave@greylisted.test>", "status=");
            if (outcome.Contains("status=sent", StringComparison.Ordinal))
            {
                await primary.WaitForLogAsync(Patience, "to=<dave@greylisted.test>", "status=sent");
            }

            var session = Assert.Single(await fakemx.WaitForSessionsAsync(1, Patience));
            Assert.Equal(deferAt == "connect" ? 421 : 451, session.GetProperty("ReplyCode").GetInt32());
            await verify(sender, primary, grey);
        }
        finally
        {
            sender.SaveLog(artifacts, "sender.maillog");
            primary.SaveLog(artifacts, "primary.maillog");
            fakemx.SaveLog(artifacts, "fakemx.jsonl");
            await File.WriteAllLinesAsync(Path.Combine(artifacts, "greylisting-mx.log"), grey.Lines);
        }
    }
}
