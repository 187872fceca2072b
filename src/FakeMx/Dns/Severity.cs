namespace FakeMx.Dns;

/// <summary>How much a finding of <c>fakemx check</c> matters.</summary>
public enum Severity
{
    /// <summary>Something verified to be right.</summary>
    Ok,

    /// <summary>Works, but worth a look; does not change the exit code.</summary>
    Warning,

    /// <summary>Wrong: mail may be lost or FakeMX does not do its job. Exit code 1.</summary>
    Problem,
}
