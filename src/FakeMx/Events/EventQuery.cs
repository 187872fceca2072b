namespace FakeMx.Events;

/// <summary>A filter over stored sessions.</summary>
/// <param name="Since">Only sessions that started at or after this time.</param>
/// <param name="Ip">Only this client address (the PROXY origin when there was one).</param>
/// <param name="Domain">Only sessions with a recipient in this domain (case-insensitive).</param>
/// <param name="Limit">At most this many sessions.</param>
/// <param name="AfterId">Only sessions stored after this id, oldest first (for following).</param>
public sealed record EventQuery(
    DateTimeOffset? Since = null,
    string? Ip = null,
    string? Domain = null,
    int Limit = 100,
    long? AfterId = null);
