namespace FakeMx.EndToEnd.Support;

/// <summary>What a finished command printed and how it exited.</summary>
public sealed record CommandResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;

    /// <summary>Throws with everything the command printed unless it exited 0.</summary>
    public CommandResult EnsureSuccess()
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException($"`{Command}` exited {ExitCode}:\n{Stdout}\n{Stderr}");
        }

        return this;
    }
}
