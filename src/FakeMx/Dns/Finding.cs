namespace FakeMx.Dns;

/// <summary>One conclusion of <c>fakemx check</c>: a stable code for scripts and a sentence for people.</summary>
/// <param name="Severity">Ok, warning or problem.</param>
/// <param name="Code">A stable kebab-case identifier, such as <c>fakemx-not-least-preferred</c>.</param>
/// <param name="Message">What was found and, for a problem, what to change.</param>
public sealed record Finding(Severity Severity, string Code, string Message);
