namespace FakeMx.Server;

/// <summary>What a client that is not speaking SMTP turned out to speak.</summary>
internal enum NonSmtpKind
{
    /// <summary>Nothing decided yet, or plain SMTP.</summary>
    None,

    /// <summary>An HTTP request line: a web scanner or a proxy abuser.</summary>
    Http,

    /// <summary>A TLS ClientHello on the plain-text port: implicit TLS (port 465 style) or a scanner.</summary>
    Tls,

    /// <summary>A PROXY protocol header from a source that is not a trusted proxy.</summary>
    Proxy,
}
