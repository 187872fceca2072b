namespace FakeMx.Server;

/// <summary>
/// STARTTLS settings, bound from the <c>Smtp</c> section (<c>Smtp:Tls</c>, <c>Smtp:TlsCert</c>,
/// <c>Smtp:TlsKey</c>, <c>Smtp:TlsHandshakeTimeout</c>).
/// </summary>
public sealed class TlsOptions
{
    public const string SelfSigned = "self-signed";

    /// <summary>
    /// <c>off</c>, or <c>self-signed</c> for a certificate generated at start for the hostname.
    /// Default off, unless <see cref="TlsCert"/> is set. MTAs do not verify MX certificates by
    /// default (opportunistic TLS, RFC 7435), so self-signed is enough to record TLS clients.
    /// </summary>
    public string? Tls { get; set; }

    /// <summary>A PEM certificate (chain) file; reloaded when it changes. Default: none.</summary>
    public string? TlsCert { get; set; }

    /// <summary>The PEM private key of <see cref="TlsCert"/>. Default: none.</summary>
    public string? TlsKey { get; set; }

    /// <summary>
    /// How long a client has to complete the TLS handshake after STARTTLS. Default 10 s: a
    /// handshake takes a few round trips; a client sending garbage is closed long before the
    /// idle timeout.
    /// </summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool IsSelfSigned => string.Equals(Tls, SelfSigned, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when STARTTLS is offered.</summary>
    public bool IsEnabled => IsSelfSigned || !string.IsNullOrEmpty(TlsCert);
}
