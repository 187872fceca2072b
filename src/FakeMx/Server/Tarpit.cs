using System.Buffers;
using FakeMx.Hosting;
using FakeMx.Smtp;

namespace FakeMx.Server;

/// <summary>
/// Slows replies down for bots, OpenBSD spamd style: in stutter mode a reply goes out a few
/// bytes per interval, in delay mode it is held back whole. Only
/// <see cref="AbuseOptions.TarpitMaxSessions"/> sessions are tarpitted at once: a session that
/// finds every place taken gets full-speed replies for its whole life, so the tarpit can never
/// hold more connections open than that, nor more pending delays.
/// </summary>
/// <remarks>
/// The waits are <see cref="Task.Delay(TimeSpan, CancellationToken)"/>, which all share the
/// runtime's timer queue (no thread or OS timer per connection), and there are at most
/// <c>TarpitMaxSessions</c> of them pending at any moment.
/// </remarks>
internal sealed class Tarpit
{
    private readonly AbuseOptions _options;
    private readonly TarpitStages _stages;
    private readonly FakeMxMetrics _metrics;
    private int _active;

    public Tarpit(AbuseOptions options, FakeMxMetrics metrics)
    {
        _options = options;
        _metrics = metrics;
        TryParseStages(options.TarpitStages, out _stages, out _);
    }

    /// <summary>Sessions being tarpitted now.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>Takes a tarpit place for a new session, if the tarpit is on and one is free.</summary>
    public bool TryEnter(SmtpConnection connection)
    {
        if (_options.Tarpit == TarpitMode.Off || _stages == TarpitStages.None)
        {
            return false;
        }

        while (true)
        {
            var active = Volatile.Read(ref _active);
            if (active >= _options.TarpitMaxSessions)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _active, active + 1, active) == active)
            {
                connection.Tarpitted = true;
                _metrics.Tarpitted(1);
                return true;
            }
        }
    }

    public void Leave(SmtpConnection connection)
    {
        if (connection.Tarpitted)
        {
            connection.Tarpitted = false;
            Interlocked.Decrement(ref _active);
            _metrics.Tarpitted(-1);
        }
    }

    /// <summary>True when <paramref name="reply"/> at <paramref name="stage"/> must be slowed.</summary>
    public bool Applies(SmtpConnection connection, TarpitStages stage, SmtpReply reply) =>
        connection.Tarpitted && (_stages & stage) != 0 && !reply.ClosesSession;

    /// <summary>The stage a reply to <paramref name="verb"/> belongs to.</summary>
    public static TarpitStages StageOf(SmtpVerb verb) => verb switch
    {
        SmtpVerb.Helo or SmtpVerb.Ehlo => TarpitStages.Helo,
        SmtpVerb.Mail => TarpitStages.Mail,
        SmtpVerb.Rcpt => TarpitStages.Rcpt,
        SmtpVerb.Data => TarpitStages.Data,
        _ => TarpitStages.Other,
    };

    /// <summary>
    /// Sends <paramref name="wire"/> slowly, after flushing whatever was written before it.
    /// Returns false when the client is gone. An end request (timeout, shutdown) stops the
    /// slowing: the rest goes out at once so the 421 that follows is not held up.
    /// </summary>
    public async ValueTask<bool> SendAsync(SmtpConnection connection, ReadOnlyMemory<byte> wire)
    {
        var output = connection.Output;
        if (!await FlushAsync(connection))
        {
            return false;
        }

        var token = connection.EndToken;
        if (_options.Tarpit == TarpitMode.Delay)
        {
            await WaitAsync(_options.TarpitDelay, token);
            output.Write(wire.Span);
            return await FlushAsync(connection);
        }

        var chunk = _options.TarpitBytes;
        var offset = 0;
        while (offset < wire.Length)
        {
            if (offset > 0 && !token.IsCancellationRequested)
            {
                await WaitAsync(_options.TarpitInterval, token);
            }

            var left = wire.Length - offset;
            var length = token.IsCancellationRequested ? left : Math.Min(chunk, left);
            output.Write(wire.Span.Slice(offset, length));
            if (!await FlushAsync(connection))
            {
                return false;
            }

            offset += length;
        }

        return true;
    }

    public static bool TryParseStages(string? text, out TarpitStages stages, out string? problem)
    {
        stages = TarpitStages.None;
        problem = null;
        foreach (var part in (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries |
            StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Enum.TryParse<TarpitStages>(part, ignoreCase: true, out var stage) || int.TryParse(part, out _))
            {
                problem = $"'{part}' is not a stage; use greeting, helo, mail, rcpt, data, other or all";
                return false;
            }

            stages |= stage;
        }

        return true;
    }

    private static async Task WaitAsync(TimeSpan delay, CancellationToken token)
    {
        try
        {
            await Task.Delay(delay, token);
        }
        catch (OperationCanceledException)
        {
            // The session is ending: stop slowing down and let the caller say its last reply.
        }
    }

    private static async ValueTask<bool> FlushAsync(SmtpConnection connection)
    {
        connection.Flushing = true;
        try
        {
            var result = await connection.Output.FlushAsync();

            // Our own slowness is not the client's idleness: the idle clock restarts per chunk.
            connection.LastActivityMillis = Environment.TickCount64;
            return !result.IsCompleted && !result.IsCanceled;
        }
        finally
        {
            connection.Flushing = false;
        }
    }
}
