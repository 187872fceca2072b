namespace FakeMx.Reports;

/// <summary>The verdict on one FakeMX session.</summary>
/// <param name="SessionId">The store's id, when known.</param>
/// <param name="Start">When the FakeMX session started.</param>
/// <param name="ClientIp">The client address.</param>
/// <param name="From">The envelope sender.</param>
/// <param name="Recipients">The recipients it gave.</param>
/// <param name="Verdict">What became of it.</param>
/// <param name="DelaySeconds">For delivered sessions, seconds until the primary accepted it.</param>
/// <param name="PrimaryQueueId">For delivered sessions, the primary's queue id.</param>
/// <param name="SameNetwork">For delivered sessions, whether the client networks matched
/// (null when the primary's client was not visible).</param>
/// <param name="Returned">Whether the same envelope came to FakeMX again within the window.</param>
public sealed record SessionEffect(
    long? SessionId,
    DateTimeOffset Start,
    string ClientIp,
    string? From,
    IReadOnlyList<string> Recipients,
    EffectivenessVerdict Verdict,
    double? DelaySeconds,
    string? PrimaryQueueId,
    bool? SameNetwork,
    bool Returned);
