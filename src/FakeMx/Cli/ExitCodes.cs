namespace FakeMx.Cli;

/// <summary>The process exit codes every verb uses.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The run failed: a port could not be bound, a check found a problem.</summary>
    public const int Failure = 1;

    /// <summary>The command line or configuration was wrong; nothing was done.</summary>
    public const int Usage = 2;
}
