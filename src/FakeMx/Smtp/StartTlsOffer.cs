namespace FakeMx.Smtp;

/// <summary>Where a session stands with STARTTLS (RFC 3207).</summary>
public enum StartTlsOffer
{
    /// <summary>No certificate is configured: STARTTLS is neither advertised nor accepted (502).</summary>
    NotOffered,

    /// <summary>A certificate is configured and the session is still in plain text.</summary>
    Offered,

    /// <summary>TLS is up: STARTTLS is no longer advertised, and a second one gets 503.</summary>
    Active,
}
