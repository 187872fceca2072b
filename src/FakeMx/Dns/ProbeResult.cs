namespace FakeMx.Dns;

/// <summary>What <c>fakemx check --probe</c> saw at one MX address.</summary>
public sealed class ProbeResult
{
    /// <summary>The address and port probed, as <c>ADDR:PORT</c> or <c>[V6]:PORT</c>.</summary>
    public required string Endpoint { get; init; }

    /// <summary>Why the probe could not talk SMTP at all (connection refused, timeout), or null.</summary>
    public string? Error { get; set; }

    /// <summary>The greeting's first line, code included.</summary>
    public string? Banner { get; set; }

    /// <summary>Whether the EHLO reply lists STARTTLS; null when EHLO was not answered 250.</summary>
    public bool? StartTls { get; set; }

    /// <summary>Every exchange in order, the greeting first.</summary>
    public List<ProbeStep> Steps { get; } = [];

    /// <summary>The first step answered with a 4xx, or null: the temporary failure FakeMX must give.</summary>
    public ProbeStep? TemporaryFailure => Steps.FirstOrDefault(s => s.Code is >= 400 and < 500);

    /// <summary>
    /// True when DATA was answered 354: this host would take a message (the probe hung up
    /// without sending one).
    /// </summary>
    public bool AcceptsData => Steps.Any(s => s.Command == "DATA" && s.Code == 354);
}
