namespace FakeMx.Events;

/// <summary>
/// A store that cannot be used as asked: a missing file, an unreachable database, a schema
/// from a newer FakeMX. The message is for the operator as is and says what to do.
/// </summary>
public sealed class StoreProblem : Exception
{
    public StoreProblem(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
