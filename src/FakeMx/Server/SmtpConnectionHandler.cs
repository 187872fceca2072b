using System.Buffers;
using System.Net;
using FakeMx.Events;
using FakeMx.Hosting;
using FakeMx.Smtp;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace FakeMx.Server;

/// <summary>
/// Kestrel's entry point for an SMTP connection: reads a trusted proxy's PROXY header, admits
/// the connection through the <see cref="ConnectionPolicy"/>, runs its <see cref="SmtpSession"/>
/// over the connection's pipes, and records the finished session. Replies to pipelined
/// commands are written in order and flushed together once the client's input is used up.
/// The abuse protections live in the partial files beside this one: Refusal (admission
/// answers), ProxyProtocol, EarlyTalker (greet delay, pregreet, non-SMTP) and StartTls.
/// </summary>
internal sealed partial class SmtpConnectionHandler : ConnectionHandler
{
    private readonly SmtpOptions _options;
    private readonly SmtpReplies _replies;
    private readonly ConnectionPolicy _policy;
    private readonly AbuseOptions _abuse;
    private readonly Tarpit _tarpit;
    private readonly TlsCertificates _certificates;
    private readonly TlsOptions _tls;
    private readonly CidrSet _trustedProxies;
    private readonly ClientLogThrottle _logThrottle = new(TimeSpan.FromMinutes(1));
    private readonly IEventSink _events;
    private readonly FakeMxMetrics _metrics;
    private readonly NodeIdentity _node;
    private readonly MemoryTrimmer _trimmer;
    private readonly ILogger<SmtpConnectionHandler> _logger;

    public SmtpConnectionHandler(
        SmtpOptions options,
        SmtpReplies replies,
        ConnectionPolicy policy,
        AbuseOptions abuse,
        Tarpit tarpit,
        TlsCertificates certificates,
        TlsOptions tls,
        IEventSink events,
        FakeMxMetrics metrics,
        NodeIdentity node,
        MemoryTrimmer trimmer,
        ILogger<SmtpConnectionHandler> logger)
    {
        _options = options;
        _replies = replies;
        _policy = policy;
        _abuse = abuse;
        _tarpit = tarpit;
        _certificates = certificates;
        _tls = tls;
        _events = events;
        _metrics = metrics;
        _node = node;
        _trimmer = trimmer;
        _logger = logger;
        _trustedProxies = TrustedProxies(abuse);
    }

    public override async Task OnConnectedAsync(ConnectionContext context)
    {
        var connection = new SmtpConnection(context, PeerOf(context), Environment.TickCount64);
        var session = new SmtpSession(_options, _replies, _certificates.IsEnabled);
        _metrics.ConnectionOpened();
        _trimmer.Arrived();

        try
        {
            if (!_trustedProxies.IsEmpty && _trustedProxies.Contains(connection.Peer.Address)
                && !await ReadProxyHeaderAsync(connection, session))
            {
                return;
            }

            var admission = _policy.Admit(connection, out var openNow);
            if (admission == Admission.Admitted)
            {
                _tarpit.TryEnter(connection);
                await ConverseAsync(connection, session);
            }
            else
            {
                await RefuseAsync(connection, session, admission, openNow);
            }
        }
        catch (Exception error) when (IsNetworkFailure(error))
        {
            // A connection the monitor aborted because it stopped reading ends for the reason
            // the monitor gave; any other failure is the network's.
            var requested = connection.RequestedEnd;
            if (requested != SessionEnd.Open && error is ConnectionAbortedException)
            {
                SmtpLog.StalledOutput(_logger, connection.ClientIp, connection.Client.Port);
            }

            session.Terminate(requested == SessionEnd.Open ? SessionEnd.NetworkError : requested);
        }
        catch (Exception error)
        {
            session.Terminate(SessionEnd.NetworkError);
            SmtpLog.SessionFailed(_logger, connection.ClientIp, connection.Client.Port, error);
        }
        finally
        {
            _tarpit.Leave(connection);
            _policy.Release(connection);
            connection.TlsStream?.Dispose();
            _metrics.ConnectionClosed();
            Finish(connection, session.Record);
        }
    }

    private async Task ConverseAsync(SmtpConnection connection, SmtpSession session)
    {
        if (!await GreetAsync(connection, session) || session.IsClosed)
        {
            return;
        }

        var framer = new SmtpLineFramer();
        long unread = 0;

        while (true)
        {
            var input = connection.Input;
            var result = await input.ReadAsync();
            var buffer = result.Buffer;

            if (result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                await EndAsync(connection, session, connection.RequestedEnd);
                return;
            }

            connection.BytesIn += buffer.Length - unread;
            connection.LastActivityMillis = Environment.TickCount64;

            if (!connection.FirstBytesChecked)
            {
                var first = CheckFirstBytes(connection, session, buffer);
                if (first == FirstBytes.Other)
                {
                    input.AdvanceTo(buffer.End);
                    await SendAsync(connection, session.Record.Reply!);
                    return;
                }

                if (first == FirstBytes.Undecided && !result.IsCompleted)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    unread = buffer.Length;
                    continue;
                }
            }

            while (!session.IsClosed && !session.IsAwaitingTls)
            {
                var frame = framer.TryReadLine(ref buffer, out var line);
                if (frame == FrameResult.NeedMore)
                {
                    break;
                }

                var reply = frame == FrameResult.Line
                    ? Process(connection, session, line)
                    : TooLong(connection, session);

                // The 220 to STARTTLS goes at once: the handshake that follows must not wait.
                var stage = session.IsAwaitingTls ? TarpitStages.None : Tarpit.StageOf(session.LastVerb);
                if (!await WriteReplyAsync(connection, reply, stage))
                {
                    session.Terminate(SessionEnd.ClientClosed);
                    return;
                }
            }

            if (session.IsAwaitingTls)
            {
                // RFC 3207 §4.2: whatever the client pipelined after STARTTLS is dropped unread.
                var pipelined = buffer.Length;
                input.AdvanceTo(buffer.End);
                if (!await StartTlsAsync(connection, session, pipelined))
                {
                    return;
                }

                framer = new SmtpLineFramer();
                unread = 0;
                continue;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            unread = buffer.Length;

            if (!await FlushAsync(connection) || session.IsClosed)
            {
                LogLimit(connection, session.Record);
                return;
            }

            if (result.IsCompleted)
            {
                session.Terminate(SessionEnd.ClientClosed);
                return;
            }
        }
    }

    private SmtpReply Process(SmtpConnection connection, SmtpSession session, in ReadOnlySequence<byte> line)
    {
        SmtpReply reply;
        if (line.IsSingleSegment)
        {
            reply = session.Process(line.FirstSpan);
        }
        else
        {
            Span<byte> copy = stackalloc byte[SmtpLineFramer.MaxLineLength];
            line.CopyTo(copy);
            reply = session.Process(copy[..(int)line.Length]);
        }

        _metrics.Command(session.LastVerb);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var text = ClientText.Sanitize(line.ToArray(), 120);
            SmtpLog.Command(_logger, connection.ClientIp, connection.Client.Port, text, reply.Code, reply.Text);
        }

        return reply;
    }

    private SmtpReply TooLong(SmtpConnection connection, SmtpSession session)
    {
        SmtpLog.LineTooLong(_logger, connection.ClientIp, connection.Client.Port);
        _metrics.Command(SmtpVerb.Unknown);
        return session.LineTooLong();
    }

    /// <summary>Ends a session the monitor or shutdown asked to end, with its own 421.</summary>
    private async Task EndAsync(SmtpConnection connection, SmtpSession session, SessionEnd end)
    {
        var reply = session.Terminate(end);
        LogLimit(connection, session.Record);
        if (reply is not null)
        {
            await SendAsync(connection, reply);
        }
    }

    private async ValueTask<bool> SendAsync(SmtpConnection connection, SmtpReply reply)
    {
        Write(connection, reply);
        return await FlushAsync(connection);
    }

    private void Write(SmtpConnection connection, SmtpReply reply)
    {
        connection.Output.Write(reply.Wire.Span);
        Count(connection, reply);
    }

    /// <summary>
    /// Writes a reply, through the tarpit when this session and stage are tarpitted (which
    /// flushes); false when the client is gone.
    /// </summary>
    private ValueTask<bool> WriteReplyAsync(SmtpConnection connection, SmtpReply reply, TarpitStages stage)
    {
        if (_tarpit.Applies(connection, stage, reply))
        {
            Count(connection, reply);
            return _tarpit.SendAsync(connection, reply.Wire);
        }

        Write(connection, reply);
        return ValueTask.FromResult(true);
    }

    private void Count(SmtpConnection connection, SmtpReply reply)
    {
        connection.BytesOut += reply.Wire.Length;
        _metrics.Reply(reply.Code);
    }

    /// <summary>Flushes replies; false when the client is gone.</summary>
    private static async ValueTask<bool> FlushAsync(SmtpConnection connection)
    {
        connection.Flushing = true;
        try
        {
            var result = await connection.Output.FlushAsync();
            return !result.IsCompleted && !result.IsCanceled;
        }
        finally
        {
            connection.Flushing = false;
        }
    }

    private void LogLimit(SmtpConnection connection, SessionRecord record)
    {
        var ip = connection.ClientIp;
        var port = connection.Client.Port;
        var elapsed = (Environment.TickCount64 - connection.StartMillis) / 1000.0;
        switch (record.End)
        {
            case SessionEnd.ErrorLimit:
                SmtpLog.ErrorLimit(_logger, ip, port, record.Errors);
                break;
            case SessionEnd.CommandLimit:
                SmtpLog.CommandLimit(_logger, ip, port, record.Commands);
                break;
            case SessionEnd.IdleTimeout:
                SmtpLog.IdleTimeout(_logger, ip, port,
                    (Environment.TickCount64 - connection.LastActivityMillis) / 1000.0);
                break;
            case SessionEnd.SessionTimeout:
                SmtpLog.SessionTimeout(_logger, ip, port, elapsed);
                break;
        }
    }

    private void Finish(SmtpConnection connection, SessionRecord record)
    {
        if (record.End == SessionEnd.Open)
        {
            record.End = SessionEnd.ClientClosed;
        }

        var endTime = DateTimeOffset.UtcNow;
        var duration = endTime - connection.StartTime;
        var sessionEvent = new SessionEvent
        {
            StartTime = connection.StartTime,
            EndTime = endTime,
            Node = _node.Name,
            PeerIp = connection.Peer.Address.ToString(),
            PeerPort = connection.Peer.Port,
            ProxyClientIp = connection.Proxied ? connection.ClientIp : null,
            ProxyClientPort = connection.Proxied ? connection.Client.Port : null,
            Tls = connection.TlsVersion is not null,
            TlsVersion = connection.TlsVersion,
            Pregreet = connection.Pregreet,
            LocalEndpoint = connection.Context.LocalEndPoint is IPEndPoint local
                ? Unmapped(local).ToString()
                : string.Empty,
            Helo = record.Helo,
            MailFrom = record.Sender,
            Recipients = record.Recipients,
            RecipientCount = record.RecipientCount,
            Commands = record.Commands,
            Errors = record.Errors,
            Stage = record.Stage,
            ReplyCode = record.Reply?.Code,
            ReplyText = record.Reply?.Text,
            End = record.End,
            Deferred = record.Deferred,
            BytesIn = connection.BytesIn,
            BytesOut = connection.BytesOut,
        };

        // Log and count first, record last: whoever sees the event can rely on both being done.
        SmtpLog.SessionSummary(_logger, connection.ClientIp, connection.Client.Port, record.Helo,
            record.Sender is null ? null : $"<{record.Sender}>", record.RecipientCount, Labels.Stage(record.Stage),
            record.Reply?.Code, (long)duration.TotalMilliseconds, Labels.End(record.End), record.Commands,
            record.Errors);
        _metrics.SessionFinished(record.Stage, record.End, record.Deferred, duration);
        _events.TryWrite(sessionEvent);
    }

    private static IPEndPoint PeerOf(ConnectionContext context) =>
        context.RemoteEndPoint is IPEndPoint remote ? Unmapped(remote) : new IPEndPoint(IPAddress.None, 0);

    /// <summary>An IPv4 client of a dual-stack listener, as the IPv4 address it is.</summary>
    private static IPEndPoint Unmapped(IPEndPoint endpoint) => endpoint.Address.IsIPv4MappedToIPv6
        ? new IPEndPoint(endpoint.Address.MapToIPv4(), endpoint.Port)
        : endpoint;

    private static CidrSet TrustedProxies(AbuseOptions abuse) => CidrSet.Of(abuse.ProxyProtocolFrom.Select(text =>
    {
        CidrSet.TryParseEntry(text.Trim(), out var network, out var prefix, out _);
        return (network, prefix);
    }));

    private static bool IsNetworkFailure(Exception error) =>
        error is ConnectionResetException or ConnectionAbortedException or IOException
            or OperationCanceledException;
}
