namespace FakeMx.Dns;

/// <summary>One exchange of a probe: what was sent (or "connect") and the reply's first line.</summary>
public sealed record ProbeStep(string Command, int Code, string Reply);
