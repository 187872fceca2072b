using FakeMx.EndToEnd.Support;

namespace FakeMx.EndToEnd.Scenarios;

/// <summary>
/// A spam bot's habit, played by swaks: look up the MX records, aim straight at the least
/// preferred one, try once, never retry.
/// </summary>
[Collection(MailLabCollection.Name)]
public sealed class SingleShotSenderTests(MailLab lab)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_sender_that_goes_straight_to_the_lowest_MX_gets_451_and_delivers_nothing()
    {
        const string scenario = "single-shot-sender";
        var artifacts = Repo.ArtifactsFor(scenario);
        await using var fakemx = await lab.StartFakeMxAsync("data");
        await using var primary = await lab.StartPrimaryAsync(scenario);
        var swaks = new CommandResult("swaks", -1, string.Empty, string.Empty);

        try
        {
            // The bot's own MX lookup, through the lab's DNS: it picks the highest number.
            var mx = (await lab.Network.ExecAsync("bot", ["dig", "+short", "MX", "backup.test"])).EnsureSuccess();
            var lowest = mx.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(' '))
                .OrderByDescending(fields => int.Parse(fields[0]))
                .First()[1].TrimEnd('.');
            Assert.Equal("fakemx.backup.test", lowest);

            swaks = await lab.Network.ExecAsync("bot",
            [
                "swaks", "--server", lowest, "--port", "25", "--helo", "bot.example.test",
                "--from", "winner@bot.example.test", "--to", "bob@backup.test",
                "--header", "Subject: You have won", "--timeout", "10",
            ]);

            // swaks exits 25 when DATA is refused; "<**" marks the error reply it got.
            Assert.Equal(25, swaks.ExitCode);
            Assert.Contains("<** 451 4.7.1", swaks.Stdout);
            Assert.DoesNotContain("<-  354", swaks.Stdout);

            // FakeMX's store holds the bot's whole envelope.
            var stored = Assert.Single(await fakemx.WaitForStoredSessionsAsync(1, Patience));
            Assert.Equal(MailLab.BotAddress, stored.GetProperty("peerIp").GetString());
            Assert.Equal("bot.example.test", stored.GetProperty("helo").GetString());
            Assert.Equal("winner@bot.example.test", stored.GetProperty("mailFrom").GetString());
            Assert.Equal(["bob@backup.test"],
                stored.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()));
            Assert.Equal("data", stored.GetProperty("stage").GetString());
            Assert.Equal(451, stored.GetProperty("replyCode").GetInt32());
            Assert.Equal("deferred", stored.GetProperty("outcome").GetString());
            Assert.Equal("e2e", stored.GetProperty("node").GetString());

            // Nothing reached the real MX.
            Assert.Empty(primary.LinesWith("connect from"));
            Assert.Empty(primary.DeliveredMessages());
        }
        finally
        {
            await File.WriteAllTextAsync(Path.Combine(artifacts, "swaks.txt"), swaks.Output);
            primary.SaveLog(artifacts, "primary.maillog");
            fakemx.SaveLog(artifacts, "fakemx.jsonl");
        }
    }
}
