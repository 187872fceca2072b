namespace FakeMx.Tests.Support;

/// <summary>Whole SMTP sessions with chosen envelopes, driven over the wire.</summary>
public static class SmtpSessions
{
    /// <summary>EHLO, MAIL, RCPT, DATA (deferred with 451 by default) and QUIT.</summary>
    public static async Task DeliverAsync(int port, string helo, string from, params string[] to)
    {
        await using var wire = await SmtpWire.ConnectAsync(port);
        Assert.StartsWith("220 ", await wire.ReadReplyAsync());
        await wire.SendAsync($"EHLO {helo}\r\n");
        Assert.StartsWith("250", await wire.ReadReplyAsync());
        await wire.SendAsync($"MAIL FROM:<{from}>\r\n");
        Assert.StartsWith("250", await wire.ReadReplyAsync());
        foreach (var recipient in to)
        {
            await wire.SendAsync($"RCPT TO:<{recipient}>\r\n");
            Assert.StartsWith("250", await wire.ReadReplyAsync());
        }

        await wire.SendAsync("DATA\r\n");
        Assert.StartsWith("451 ", await wire.ReadReplyAsync());
        await wire.SendAsync("QUIT\r\n");
        Assert.StartsWith("221 ", await wire.ReadReplyAsync());
        Assert.True(await wire.IsClosedByServerAsync());
    }

    /// <summary>Connects, reads the banner and quits: a client that left before the deferral.</summary>
    public static async Task QuitAtOnceAsync(int port)
    {
        await using var wire = await SmtpWire.ConnectAsync(port);
        await wire.ReadReplyAsync();
        await wire.SendAsync("QUIT\r\n");
        await wire.ReadReplyAsync();
        Assert.True(await wire.IsClosedByServerAsync());
    }
}
