namespace FakeMx.Events;

/// <summary>
/// Where finished sessions go. Implementations must never block the SMTP path: when they
/// cannot take an event at once they count it as dropped and return false.
/// </summary>
public interface IEventSink
{
    bool TryWrite(SessionEvent sessionEvent);
}
