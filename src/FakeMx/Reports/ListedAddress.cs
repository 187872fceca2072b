namespace FakeMx.Reports;

/// <summary>One exported client address with the evidence behind it.</summary>
/// <param name="Address">The client address, as a /32 or /128.</param>
/// <param name="Sessions">How many matching sessions it had in the window.</param>
/// <param name="FirstSeen">When the first of them started.</param>
/// <param name="LastSeen">When the last of them started.</param>
public sealed record ListedAddress(IpNetwork Address, int Sessions, DateTimeOffset FirstSeen, DateTimeOffset LastSeen);
