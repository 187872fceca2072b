using System.IO.Pipelines;
using FakeMx.Hosting;
using FakeMx.Smtp;

namespace FakeMx.Server;

/// <summary>
/// The PROXY protocol on connections from trusted proxies: the header must come first, whole,
/// within <see cref="AbuseOptions.ProxyHeaderTimeout"/>; its client becomes the connection's
/// client for every limit, list, log and event. Anything else closes the connection without a
/// word, since the peer is a proxy, not an SMTP client.
/// </summary>
internal sealed partial class SmtpConnectionHandler
{
    private async ValueTask<bool> ReadProxyHeaderAsync(SmtpConnection connection, SmtpSession session)
    {
        var input = connection.Input;
        string? problem;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.Context.ConnectionClosed))
        {
            timeout.CancelAfter(_abuse.ProxyHeaderTimeout);
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await input.ReadAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    problem = $"no complete header within {Duration.Format(_abuse.ProxyHeaderTimeout)}";
                    break;
                }

                var buffer = result.Buffer;
                var status = ProxyHeaderParser.TryParse(buffer, out var header, out problem);
                if (status == ProxyParseStatus.Parsed)
                {
                    input.AdvanceTo(buffer.GetPosition(header!.Length));
                    AcceptProxyHeader(connection, header);
                    return true;
                }

                if (status == ProxyParseStatus.Invalid)
                {
                    connection.BytesIn += buffer.Length;
                    input.AdvanceTo(buffer.End);
                    break;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    connection.BytesIn += buffer.Length;
                    problem = buffer.IsEmpty ? "closed before sending a header" : "header cut short by close";
                    break;
                }
            }
        }

        session.Terminate(SessionEnd.ProxyRejected);
        _metrics.ProxyHeader("rejected");
        _metrics.ConnectionRefused(Labels.End(SessionEnd.ProxyRejected));
        if (ShouldLogRefusal(connection))
        {
            AbuseLog.ProxyRejected(_logger, connection.Peer.Address.ToString(), connection.Peer.Port, problem!);
        }

        return false;
    }

    private void AcceptProxyHeader(SmtpConnection connection, ProxyHeader header)
    {
        connection.BytesIn += header.Length;
        _metrics.ProxyHeader(header.Source is null ? "local" : "accepted");
        if (header.Source is not { } source)
        {
            return;
        }

        connection.UseProxiedClient(source);
        AbuseLog.ProxyAccepted(_logger, connection.Peer.Address.ToString(), connection.Peer.Port, header.Version,
            connection.ClientIp, connection.Client.Port);
    }
}
