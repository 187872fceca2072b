using FakeMx.Smtp;
using FakeMx.Tests.Support;
using MailKit.Net.Smtp;
using MimeKit;

namespace FakeMx.Tests.Server;

/// <summary>MailKit, a real SMTP client, against the real server at every deferral stage.</summary>
public sealed class DeferralTests
{
    [Theory]
    [InlineData("data", SmtpCommandCategory.Data, 451)]
    [InlineData("rcpt", SmtpCommandCategory.RcptTo, 451)]
    [InlineData("mail", SmtpCommandCategory.MailFrom, 451)]
    public async Task MailKit_sees_the_exact_451_at_the_configured_stage(
        string stage, SmtpCommandCategory expectedCommand, int expectedCode)
    {
        await using var server = await RunningServer.StartAsync(("Smtp:DeferAt", stage));
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", server.Port, MailKit.Security.SecureSocketOptions.None);

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message()));

        Assert.Equal(expectedCode, (int)error.StatusCode);
        Assert.Equal(expectedCommand, ErrorCommand(error));
        Assert.Contains("4.7.1", error.Message + Describe(error));
        await client.DisconnectAsync(quit: true);

        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.Equal("sender@example.org", recorded.MailFrom);
        Assert.Equal(451, recorded.ReplyCode);
        Assert.Equal(SessionEnd.Quit, recorded.End);
    }

    private static SmtpCommandCategory ErrorCommand(SmtpCommandException error) => error.ErrorCode switch
    {
        SmtpErrorCode.SenderNotAccepted => SmtpCommandCategory.MailFrom,
        SmtpErrorCode.RecipientNotAccepted => SmtpCommandCategory.RcptTo,
        _ => SmtpCommandCategory.Data,
    };

    private static string Describe(SmtpCommandException error) => $"{error.StatusCode} {error.Message}";

    internal static MimeMessage Message()
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@example.org"));
        message.To.Add(MailboxAddress.Parse("user@example.test"));
        message.Subject = "hello";
        message.Body = new TextPart("plain") { Text = "never delivered" };
        return message;
    }
}

public enum SmtpCommandCategory
{
    MailFrom,
    RcptTo,
    Data,
}
