using System.Text;

namespace FakeMx.Hosting;

/// <summary>
/// Collects formatted log lines in memory and writes them to a console stream in batches, from
/// one background thread, at most <see cref="FlushInterval"/> after the first line of a batch.
/// </summary>
/// <remarks>
/// The console logger of Microsoft.Extensions.Logging wakes its output thread for each line
/// that finds its queue empty and makes one <c>write</c> call per line. With one summary line
/// per session that was a quarter of FakeMX's CPU per session under load: a futex wake-up and
/// a context switch on the socket event thread, then the system call. Here a logging thread
/// only appends to a buffer under a lock; the writer thread is woken once per batch.
/// Nothing is lost on shutdown: disposing (or the process exiting) writes what is buffered.
/// </remarks>
internal sealed class ConsoleBatchWriter : IDisposable
{
    /// <summary>How long a line may wait for others to join its batch.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(50);

    // A batch this large is written at once rather than waiting for the interval.
    private const int FlushChars = 64 * 1024;

    // Beyond this, loggers wait for the writer (a stdout nobody reads must not grow the heap
    // without bound), as the console logger's own bounded queue does.
    private const int MaxPendingChars = 4 * 1024 * 1024;

    // A plain object: Monitor.Wait and Pulse need a monitor, which System.Threading.Lock is not.
    private readonly object _lock = new();

    // Only the writer thread writes, except after a stop whose join timed out.
    private readonly Lock _writeLock = new();
    private readonly StreamWriter _output;
    private readonly Thread _thread;
    private StringBuilder _pending = new(FlushChars);
    private StringBuilder _writing = new(FlushChars);
    private bool _stopping;
    private bool _stopped;

    public ConsoleBatchWriter(Stream stream)
    {
        // The console's own encoding on Unix, without a byte-order mark.
        _output = new StreamWriter(stream, new UTF8Encoding(false), bufferSize: 16 * 1024)
        {
            AutoFlush = false,
        };
        _thread = new Thread(Run) { IsBackground = true, Name = "Console log writer" };
        _thread.Start();
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>Appends formatted text (whole lines) to the current batch.</summary>
    public void Append(StringBuilder text)
    {
        lock (_lock)
        {
            if (_stopped)
            {
                // A line logged while the host is being torn down: written straight away.
                Write(text);
                return;
            }

            while (_pending.Length > MaxPendingChars && !_stopping)
            {
                Monitor.Wait(_lock);
            }

            var before = _pending.Length;
            _pending.Append(text);

            // Wake the writer only when a batch starts or grows big, not for every line.
            if (before == 0 || (before < FlushChars && _pending.Length >= FlushChars))
            {
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>Writes what is buffered and stops the writer thread.</summary>
    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        Stop();
    }

    private void OnProcessExit(object? sender, EventArgs e) => Stop();

    private void Stop()
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            _stopping = true;
            Monitor.PulseAll(_lock);
        }

        _thread.Join(TimeSpan.FromSeconds(5));

        lock (_lock)
        {
            _stopped = true;
            Write(_pending);
            _pending.Clear();
            Monitor.PulseAll(_lock);
        }
    }

    private void Run()
    {
        while (true)
        {
            lock (_lock)
            {
                while (_pending.Length == 0 && !_stopping)
                {
                    Monitor.Wait(_lock);
                }

                if (_pending.Length == 0)
                {
                    return;
                }

                // Let the lines of the next few milliseconds join this one's write.
                var deadline = Environment.TickCount64 + (long)FlushInterval.TotalMilliseconds;
                while (!_stopping && _pending.Length < FlushChars)
                {
                    var left = deadline - Environment.TickCount64;
                    if (left <= 0)
                    {
                        break;
                    }

                    Monitor.Wait(_lock, (int)left);
                }

                (_pending, _writing) = (_writing, _pending);
                Monitor.PulseAll(_lock);
            }

            Write(_writing);
            _writing.Clear();
            if (_writing.Capacity > 4 * FlushChars)
            {
                _writing.Capacity = FlushChars;
            }
        }
    }

    private void Write(StringBuilder text)
    {
        using var scope = _writeLock.EnterScope();
        try
        {
            foreach (var chunk in text.GetChunks())
            {
                _output.Write(chunk.Span);
            }

            _output.Flush();
        }
        catch (IOException)
        {
            // Standard output is gone (a closed pipe): the lines cannot go anywhere, and the
            // server must keep serving.
        }
        catch (ObjectDisposedException)
        {
            // The stream was closed under us at process exit.
        }
    }
}
