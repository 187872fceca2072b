namespace FakeMx.Events;

/// <summary>Discards events: for runs that record nothing.</summary>
public sealed class NullEventSink : IEventSink
{
    public bool TryWrite(SessionEvent sessionEvent) => true;
}
