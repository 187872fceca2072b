using FakeMx.Events;
using FakeMx.Smtp;

namespace FakeMx.Tests.Store;

/// <summary>Session events for store tests, built from a few meaningful values.</summary>
internal static class Sessions
{
    public static readonly DateTimeOffset Base = new(2024, 1, 2, 3, 0, 0, TimeSpan.Zero);

    public static SessionEvent Make(
        string ip = "192.0.2.10",
        int minute = 0,
        string node = "node-a",
        string? helo = "bot.example",
        string? from = "spammer@sender.example",
        string[]? to = null,
        bool deferred = true,
        SessionEnd end = SessionEnd.Quit,
        SessionStage stage = SessionStage.Data,
        bool pregreet = false,
        int? recipientCount = null)
    {
        var recipients = to ?? ["user@victim.example"];
        var start = Base.AddMinutes(minute).AddMilliseconds(123);
        return new SessionEvent
        {
            StartTime = start,
            EndTime = start.AddMilliseconds(1500),
            Node = node,
            PeerIp = ip,
            PeerPort = 40000 + minute,
            LocalEndpoint = "127.0.0.1:25",
            Helo = helo,
            MailFrom = from,
            Recipients = recipients,
            RecipientCount = recipientCount ?? recipients.Length,
            Commands = 5,
            Errors = 1,
            Stage = stage,
            ReplyCode = deferred ? 451 : 221,
            ReplyText = deferred ? "4.7.1 Service temporarily unavailable" : "2.0.0 Bye",
            End = end,
            Deferred = deferred,
            Pregreet = pregreet,
            BytesIn = 120,
            BytesOut = 480,
        };
    }
}
