namespace FakeMx.Cli;

/// <summary>Small helpers every verb shares for talking to the operator.</summary>
public static class Cli
{
    /// <summary>Prints <c>fakemx: message</c> on standard error and returns <paramref name="exitCode"/>.</summary>
    public static int Fail(int exitCode, string message)
    {
        Console.Error.WriteLine($"fakemx: {message}");
        return exitCode;
    }
}
