using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace FakeMx.Hosting;

/// <summary>
/// The console logger FakeMX runs with: the same formatters and options as the standard one
/// (<c>AddSimpleConsole</c>, <c>AddJsonConsole</c>), so every line reads exactly as before,
/// but the lines reach standard output through a <see cref="ConsoleBatchWriter"/> instead of
/// one wake-up and one system call each.
/// </summary>
/// <remarks>
/// Scopes are not written: neither of FakeMX's formats includes them, and not taking part in
/// scopes spares every connection the scope Kestrel opens for it.
/// </remarks>
[ProviderAlias("Console")]
internal sealed class BatchedConsoleLoggerProvider : ILoggerProvider
{
    private readonly ConsoleFormatter _formatter;
    private readonly LogLevel _stderrThreshold;
    private readonly ConcurrentDictionary<string, BatchedConsoleLogger> _loggers = new();
    private readonly ConsoleBatchWriter _stdout;
    private ConsoleBatchWriter? _stderr;

    public BatchedConsoleLoggerProvider(
        IOptionsMonitor<ConsoleLoggerOptions> options,
        IEnumerable<ConsoleFormatter> formatters)
    {
        var settings = options.CurrentValue;
        var name = settings.FormatterName ?? ConsoleFormatterNames.Simple;
        var available = formatters.ToList();
        _formatter = available.FirstOrDefault(f => f.Name == name)
            ?? available.First(f => f.Name == ConsoleFormatterNames.Simple);
        _stderrThreshold = settings.LogToStandardErrorThreshold;
        _stdout = new ConsoleBatchWriter(Console.OpenStandardOutput());
    }

    public ILogger CreateLogger(string categoryName) =>
        _loggers.GetOrAdd(categoryName, name => new BatchedConsoleLogger(name, _formatter, this));

    public void Dispose()
    {
        _stdout.Dispose();
        _stderr?.Dispose();
    }

    /// <summary>The writer for a line at <paramref name="level"/>.</summary>
    internal ConsoleBatchWriter WriterFor(LogLevel level)
    {
        if (level < _stderrThreshold)
        {
            return _stdout;
        }

        return LazyInitializer.EnsureInitialized(
            ref _stderr, () => new ConsoleBatchWriter(Console.OpenStandardError()));
    }
}
