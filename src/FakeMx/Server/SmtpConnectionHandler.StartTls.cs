using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using FakeMx.Smtp;

namespace FakeMx.Server;

/// <summary>
/// STARTTLS (RFC 3207): after the 220, every byte the client pipelined behind STARTTLS is
/// thrown away unread (§4.2; a classic injection), then the connection's pipes are swapped for
/// ones over an <see cref="SslStream"/> (TLS 1.2 and 1.3 only). The handshake is bounded by
/// <see cref="TlsOptions.TlsHandshakeTimeout"/>; a client that sends anything but a handshake
/// is closed.
/// </summary>
internal sealed partial class SmtpConnectionHandler
{
    /// <summary>Sends the 220 that the session already wrote and upgrades; false when the session ended.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="session">The session, awaiting TLS.</param>
    /// <param name="discarded">Bytes after STARTTLS already dropped from the last read.</param>
    private async ValueTask<bool> StartTlsAsync(SmtpConnection connection, SmtpSession session, long discarded)
    {
        // Anything in the pipe before the 220 leaves was sent before the client could have seen
        // it: discard it too. Bytes sent after it (the ClientHello) cannot be here yet.
        var input = connection.Input;
        while (input.TryRead(out var pending) && !pending.Buffer.IsEmpty)
        {
            discarded += pending.Buffer.Length;
            connection.BytesIn += pending.Buffer.Length;
            input.AdvanceTo(pending.Buffer.End);
        }

        if (!await FlushAsync(connection))
        {
            session.Terminate(SessionEnd.ClientClosed);
            return false;
        }

        var ssl = new SslStream(new DuplexPipeStream(input, connection.Output), leaveInnerStreamOpen: false);
        connection.TlsStream = ssl;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.EndToken);
        timeout.CancelAfter(_tls.TlsHandshakeTimeout);

        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = _certificates.Current,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ClientCertificateRequired = false,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, timeout.Token);
        }
        catch (Exception error) when (error is AuthenticationException or IOException or OperationCanceledException)
        {
            var requested = connection.RequestedEnd;
            var reason = requested != SessionEnd.Open ? $"session ended ({requested})"
                : timeout.IsCancellationRequested ? "timed out" : error.Message;
            session.Terminate(requested == SessionEnd.Open ? SessionEnd.TlsFailed : requested);
            _metrics.TlsHandshake("failed", "none");
            if (ShouldLogRefusal(connection))
            {
                AbuseLog.TlsFailed(_logger, connection.ClientIp, connection.Client.Port, reason);
            }

            return false;
        }

        connection.TlsVersion = ProtocolName(ssl.SslProtocol);
        connection.Input = PipeReader.Create(ssl, new StreamPipeReaderOptions(leaveOpen: true));
        connection.Output = PipeWriter.Create(ssl, new StreamPipeWriterOptions(leaveOpen: true));
        connection.LastActivityMillis = Environment.TickCount64;
        session.TlsStarted();
        _metrics.TlsHandshake("ok", connection.TlsVersion);
        AbuseLog.TlsStarted(_logger, connection.ClientIp, connection.Client.Port, connection.TlsVersion,
            ssl.NegotiatedCipherSuite.ToString());
        if (discarded > 0)
        {
            AbuseLog.StartTlsInjection(_logger, connection.ClientIp, connection.Client.Port, discarded);
        }

        // An end requested during the swap cancelled the old reader; honour it on the new one.
        if (connection.RequestedEnd != SessionEnd.Open)
        {
            connection.Input.CancelPendingRead();
        }

        return true;
    }

    /// <summary>The protocol as OpenSSL and Postfix logs name it: <c>TLSv1.3</c>.</summary>
    private static string ProtocolName(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        _ => protocol.ToString(),
    };
}
