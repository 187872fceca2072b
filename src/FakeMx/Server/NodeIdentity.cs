namespace FakeMx.Server;

/// <summary>The name this FakeMX node records in every event (<c>--node</c>).</summary>
public sealed record NodeIdentity(string Name);
