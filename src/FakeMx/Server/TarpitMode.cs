namespace FakeMx.Server;

/// <summary>How the tarpit slows replies down (<c>--tarpit</c>).</summary>
public enum TarpitMode
{
    /// <summary>Replies go at full speed (the default).</summary>
    Off,

    /// <summary>Replies trickle out a few bytes per interval, like OpenBSD spamd's stutter.</summary>
    Stutter,

    /// <summary>Each reply is held back whole for a fixed time, then sent at once.</summary>
    Delay,
}
