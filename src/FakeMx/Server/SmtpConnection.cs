using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using FakeMx.Smtp;

namespace FakeMx.Server;

/// <summary>
/// The server side of one SMTP connection: the transport, the client's address, and the
/// clock-driven state the <see cref="SessionMonitor"/> watches (activity, a requested end).
/// </summary>
internal sealed class SmtpConnection
{
    private int _requestedEnd = (int)SessionEnd.Open;
    private bool _flushing;

    public SmtpConnection(ConnectionContext context, IPEndPoint client, long startMillis)
    {
        Context = context;
        Client = client;
        Input = context.Transport.Input;
        Output = context.Transport.Output;
        StartMillis = startMillis;
        LastActivityMillis = startMillis;
        StartTime = DateTimeOffset.UtcNow;
    }

    public ConnectionContext Context { get; }

    /// <summary>The client: the TCP peer, with IPv4-mapped IPv6 addresses unmapped.</summary>
    public IPEndPoint Client { get; }

    public string ClientIp => Client.Address.ToString();

    public PipeReader Input { get; set; }

    public PipeWriter Output { get; set; }

    public DateTimeOffset StartTime { get; }

    /// <summary>Monotonic start time, <see cref="Environment.TickCount64"/> milliseconds.</summary>
    public long StartMillis { get; }

    /// <summary>When the client last sent anything, in the same clock.</summary>
    public long LastActivityMillis { get; set; }

    public long BytesIn { get; set; }

    public long BytesOut { get; set; }

    /// <summary>True while a flush of replies waits for the client to read.</summary>
    public bool Flushing
    {
        get => Volatile.Read(ref _flushing);
        set => Volatile.Write(ref _flushing, value);
    }

    /// <summary>Why the monitor or shutdown asked this connection to end, if it did.</summary>
    public SessionEnd RequestedEnd => (SessionEnd)Volatile.Read(ref _requestedEnd);

    /// <summary>
    /// Asks the connection to end with <paramref name="end"/>: the first request wins, and the
    /// read it is waiting on returns at once so it can say its 421. A connection stuck writing
    /// to a client that stopped reading cannot be told anything: it is aborted instead.
    /// </summary>
    public void RequestEnd(SessionEnd end)
    {
        if (Interlocked.CompareExchange(ref _requestedEnd, (int)end, (int)SessionEnd.Open) != (int)SessionEnd.Open)
        {
            return;
        }

        Input.CancelPendingRead();
        AbortIfStalled();
    }

    /// <summary>Aborts the connection when an end was requested while it waits on a flush.</summary>
    public bool AbortIfStalled()
    {
        if (!Flushing || RequestedEnd == SessionEnd.Open)
        {
            return false;
        }

        Context.Abort(new ConnectionAbortedException("The client stopped reading replies."));
        return true;
    }
}
