namespace FakeMx.Tests.Fuzz;

/// <summary>An invariant of the SMTP core broke under fuzzed input.</summary>
public sealed class FuzzInvariantException(string message) : Exception(message);
