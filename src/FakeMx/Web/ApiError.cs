namespace FakeMx.Web;

/// <summary>The body of every HTTP error: <c>{"error": "..."}</c>, naming what to fix.</summary>
public sealed record ApiError(string Error);
