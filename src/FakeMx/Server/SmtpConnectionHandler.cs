using System.Buffers;
using System.Net;
using FakeMx.Events;
using FakeMx.Hosting;
using FakeMx.Smtp;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace FakeMx.Server;

/// <summary>
/// Kestrel's entry point for an SMTP connection: admits it, runs its <see cref="SmtpSession"/>
/// over the connection's pipes, and records the finished session. Replies to pipelined
/// commands are written in order and flushed together once the client's input is used up.
/// </summary>
internal sealed class SmtpConnectionHandler : ConnectionHandler
{
    private readonly SmtpOptions _options;
    private readonly SmtpReplies _replies;
    private readonly ConnectionRegistry _registry;
    private readonly IEventSink _events;
    private readonly FakeMxMetrics _metrics;
    private readonly NodeIdentity _node;
    private readonly ILogger<SmtpConnectionHandler> _logger;

    public SmtpConnectionHandler(
        SmtpOptions options,
        SmtpReplies replies,
        ConnectionRegistry registry,
        IEventSink events,
        FakeMxMetrics metrics,
        NodeIdentity node,
        ILogger<SmtpConnectionHandler> logger)
    {
        _options = options;
        _replies = replies;
        _registry = registry;
        _events = events;
        _metrics = metrics;
        _node = node;
        _logger = logger;
    }

    public override async Task OnConnectedAsync(ConnectionContext context)
    {
        var connection = new SmtpConnection(context, ClientOf(context), Environment.TickCount64);
        var session = new SmtpSession(_options, _replies);
        var admission = _registry.TryAdmit(connection, out var openNow);
        _metrics.ConnectionOpened();

        try
        {
            if (admission == Admission.Admitted)
            {
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
            _registry.Release(connection);
            _metrics.ConnectionClosed();
            Finish(connection, session.Record);
        }
    }

    private async Task ConverseAsync(SmtpConnection connection, SmtpSession session)
    {
        if (!await SendAsync(connection, session.Start()) || session.IsClosed)
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

            while (!session.IsClosed)
            {
                var frame = framer.TryReadLine(ref buffer, out var line);
                if (frame == FrameResult.NeedMore)
                {
                    break;
                }

                var reply = frame == FrameResult.Line ? Process(connection, session, line) : TooLong(connection, session);
                Write(connection, reply);
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

    private async Task RefuseAsync(SmtpConnection connection, SmtpSession session, Admission admission, int openNow)
    {
        var (reply, end) = admission switch
        {
            Admission.ConnectionLimit => (_replies.ConnectionLimit, SessionEnd.ConnectionLimit),
            Admission.ClientLimit => (_replies.ClientLimit, SessionEnd.ClientLimit),
            _ => (_replies.Shutdown, SessionEnd.Shutdown),
        };

        session.Record.Reply = reply;
        session.Terminate(end);
        _metrics.ConnectionRefused(Labels.End(end));

        if (end == SessionEnd.ConnectionLimit)
        {
            SmtpLog.ConnectionLimit(_logger, connection.ClientIp, connection.Client.Port, openNow);
        }
        else if (end == SessionEnd.ClientLimit)
        {
            SmtpLog.ClientLimit(_logger, connection.ClientIp, connection.Client.Port, openNow);
        }

        await SendAsync(connection, reply);
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
            PeerIp = connection.ClientIp,
            PeerPort = connection.Client.Port,
            LocalEndpoint = connection.Context.LocalEndPoint?.ToString() ?? string.Empty,
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

        _events.TryWrite(sessionEvent);
        _metrics.SessionFinished(record.Stage, record.End, record.Deferred, duration);
        SmtpLog.SessionSummary(_logger, connection.ClientIp, connection.Client.Port, record.Helo,
            record.Sender is null ? null : $"<{record.Sender}>", record.RecipientCount, Labels.Stage(record.Stage),
            record.Reply?.Code, (long)duration.TotalMilliseconds, Labels.End(record.End), record.Commands,
            record.Errors);
    }

    private static IPEndPoint ClientOf(ConnectionContext context)
    {
        if (context.RemoteEndPoint is not IPEndPoint remote)
        {
            return new IPEndPoint(IPAddress.None, 0);
        }

        return remote.Address.IsIPv4MappedToIPv6
            ? new IPEndPoint(remote.Address.MapToIPv4(), remote.Port)
            : remote;
    }

    private static bool IsNetworkFailure(Exception error) =>
        error is ConnectionResetException or ConnectionAbortedException or IOException
            or OperationCanceledException;
}
