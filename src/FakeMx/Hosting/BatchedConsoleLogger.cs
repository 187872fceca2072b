using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace FakeMx.Hosting;

/// <summary>
/// One category's logger of <see cref="BatchedConsoleLoggerProvider"/>: formats each line on
/// the calling thread, as the standard console logger does, and hands the text to the batch.
/// </summary>
internal sealed class BatchedConsoleLogger(
    string category,
    ConsoleFormatter formatter,
    BatchedConsoleLoggerProvider provider) : ILogger
{
    // One reusable buffer per thread: formatting a line allocates nothing beyond the message.
    [ThreadStatic]
    private static StringWriter? t_text;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public void Log<TState>(
        LogLevel logLevel,
        EventId eventId,
        TState state,
        Exception? exception,
        Func<TState, Exception?, string> format)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var text = t_text ??= new StringWriter();
        var entry = new LogEntry<TState>(logLevel, category, eventId, state, exception, format);
        formatter.Write(in entry, null, text);

        var buffer = text.GetStringBuilder();
        if (buffer.Length == 0)
        {
            return;
        }

        provider.WriterFor(logLevel).Append(buffer);
        buffer.Clear();
        if (buffer.Capacity > 4096)
        {
            buffer.Capacity = 1024;
        }
    }
}
