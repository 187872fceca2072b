using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FakeMx.Tests.Support;

/// <summary>A logger provider that keeps every line the server logs, with its event id.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<LogLine> _lines = new();

    public IReadOnlyList<LogLine> Lines => [.. _lines];

    public IEnumerable<LogLine> WithId(int eventId) => Lines.Where(l => l.EventId == eventId);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public sealed record LogLine(string Category, LogLevel Level, int EventId, string Message);

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(
            LogLevel logLevel,
            EventId eventId,
            TState state,
            Exception? exception,
            Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue(new LogLine(category, logLevel, eventId.Id, formatter(state, exception)));
    }
}
