namespace FakeMx.Events;

/// <summary>The window and scope of a statistics report.</summary>
/// <param name="Since">Start of the window (inclusive).</param>
/// <param name="Until">End of the window (exclusive); null means now.</param>
/// <param name="Domain">Only sessions with a recipient in this domain.</param>
/// <param name="Top">How many entries each top list holds.</param>
public sealed record StatsQuery(
    DateTimeOffset Since,
    DateTimeOffset? Until = null,
    string? Domain = null,
    int Top = 10);
