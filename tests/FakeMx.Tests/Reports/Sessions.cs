using FakeMx.Events;
using FakeMx.Smtp;

namespace FakeMx.Tests.Reports;

/// <summary>Builds stored-session records the way the server writes them, for report inputs.</summary>
internal static class Sessions
{
    public static readonly DateTimeOffset Now = new(2025, 3, 10, 12, 0, 0, TimeSpan.Zero);

    private static long _nextId;

    public static SessionEvent Make(
        string clientIp,
        TimeSpan ago,
        bool pregreet = false,
        string? from = "bot@spam.example",
        string[]? to = null,
        string? helo = "bot.example",
        DateTimeOffset? now = null)
    {
        to ??= ["user@example.org"];
        var start = (now ?? Now) - ago;
        return new SessionEvent
        {
            Id = Interlocked.Increment(ref _nextId),
            StartTime = start,
            EndTime = start + TimeSpan.FromSeconds(2),
            Node = "node-a",
            PeerIp = clientIp,
            PeerPort = 40000,
            LocalEndpoint = "127.0.0.1:25",
            Pregreet = pregreet,
            Helo = helo,
            MailFrom = from,
            Recipients = to,
            RecipientCount = to.Length,
            Commands = 5,
            Stage = SessionStage.Data,
            ReplyCode = 451,
            ReplyText = "4.7.1 Service temporarily unavailable, please try again later",
            End = SessionEnd.Quit,
            Deferred = true,
        };
    }
}
