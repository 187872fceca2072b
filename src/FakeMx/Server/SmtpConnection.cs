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
    private CancellationTokenSource? _endSource;

    public SmtpConnection(ConnectionContext context, IPEndPoint peer, long startMillis)
    {
        Context = context;
        Peer = peer;
        Client = peer;
        Input = context.Transport.Input;
        Output = context.Transport.Output;
        StartMillis = startMillis;
        LastActivityMillis = startMillis;
        StartTime = DateTimeOffset.UtcNow;
    }

    public ConnectionContext Context { get; }

    /// <summary>The TCP peer, with IPv4-mapped IPv6 addresses unmapped: the client, or a proxy.</summary>
    public IPEndPoint Peer { get; }

    /// <summary>
    /// The client every limit, list, log and event uses: the address a trusted proxy's PROXY
    /// header named, else the TCP peer. Set before admission and never changed after.
    /// </summary>
    public IPEndPoint Client { get; private set; }

    public string ClientIp => Client.Address.ToString();

    /// <summary>True when a PROXY header replaced the peer as the client.</summary>
    public bool Proxied { get; private set; }

    /// <summary>True when the registry counted this connection against its address's cap.</summary>
    public bool CountedPerClient { get; set; }

    /// <summary>True while this session holds one of the tarpit's places.</summary>
    public bool Tarpitted { get; set; }

    /// <summary>True when the client sent anything before the banner.</summary>
    public bool Pregreet { get; set; }

    /// <summary>True once the first bytes were checked for other protocols (HTTP, TLS, PROXY).</summary>
    public bool FirstBytesChecked { get; set; }

    /// <summary>The TLS protocol after STARTTLS, such as <c>TLSv1.3</c>; null in plain text.</summary>
    public string? TlsVersion { get; set; }

    /// <summary>The TLS stream after STARTTLS, disposed with the connection.</summary>
    public IDisposable? TlsStream { get; set; }

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

    /// <summary>
    /// Cancelled when an end is requested: for waits that are not reads (the greet delay, the
    /// tarpit, the TLS handshake). Created on first use, so a plain session never pays for it.
    /// </summary>
    public CancellationToken EndToken
    {
        get
        {
            var source = Volatile.Read(ref _endSource);
            if (source is null)
            {
                source = new CancellationTokenSource();
                var existing = Interlocked.CompareExchange(ref _endSource, source, null);
                if (existing is not null)
                {
                    source.Dispose();
                    source = existing;
                }
                else if (RequestedEnd != SessionEnd.Open)
                {
                    source.Cancel();
                }
            }

            return source.Token;
        }
    }

    /// <summary>Makes the client named by a trusted proxy's header the client of this connection.</summary>
    public void UseProxiedClient(IPEndPoint client)
    {
        var address = client.Address.IsIPv4MappedToIPv6 ? client.Address.MapToIPv4() : client.Address;
        Client = new IPEndPoint(address, client.Port);
        Proxied = true;
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
        Volatile.Read(ref _endSource)?.Cancel();
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
