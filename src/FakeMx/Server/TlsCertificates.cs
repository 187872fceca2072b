using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FakeMx.Hosting;
using Microsoft.Extensions.Logging;

namespace FakeMx.Server;

/// <summary>
/// The certificate STARTTLS presents: loaded from PEM files (and reloaded when they change, the
/// old one kept if the new files are bad), or generated at start for the hostname with
/// <c>--tls self-signed</c>. Handshakes take <see cref="Current"/> once, so a reload never
/// disturbs a handshake in progress.
/// </summary>
internal sealed class TlsCertificates
{
    private readonly TlsOptions _options;
    private SslStreamCertificateContext? _current;

    /// <summary>Loads or generates the certificate; bad files are a configuration error.</summary>
    public TlsCertificates(TlsOptions options, string hostname)
    {
        _options = options;
        if (options.IsSelfSigned)
        {
            _current = SslStreamCertificateContext.Create(SelfSigned(hostname), null, offline: true);
            Source = "self-signed";
        }
        else if (options.IsEnabled)
        {
            CertificateFile = Path.GetFullPath(options.TlsCert!);
            KeyFile = Path.GetFullPath(options.TlsKey!);
            Source = CertificateFile;
            if (!TryLoad(out _current, out var problem))
            {
                throw new ConfigurationProblem($"--tls-cert/--tls-key: {problem}");
            }
        }
    }

    /// <summary>True when STARTTLS is offered.</summary>
    public bool IsEnabled => _options.IsEnabled;

    public string? CertificateFile { get; }

    public string? KeyFile { get; }

    public string Source { get; } = "none";

    public SslStreamCertificateContext? Current => Volatile.Read(ref _current);

    /// <summary>Reloads the PEM files; on failure logs and keeps the certificate in use.</summary>
    public void Reload(ILogger logger)
    {
        if (CertificateFile is null)
        {
            return;
        }

        if (!TryLoad(out var fresh, out var problem))
        {
            AbuseLog.CertificateRejected(logger, problem!);
            return;
        }

        Volatile.Write(ref _current, fresh);
        LogLoaded(logger);
    }

    public void LogLoaded(ILogger logger)
    {
        if (Current is { } context)
        {
            AbuseLog.CertificateLoaded(logger, context.TargetCertificate.Subject,
                context.TargetCertificate.NotAfter.ToUniversalTime(), Source);
        }
    }

    private bool TryLoad(out SslStreamCertificateContext? context, out string? problem)
    {
        context = null;
        problem = null;
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(CertificateFile!, KeyFile);

            // Re-import through PKCS#12 so the key is usable by the TLS stack on every platform.
            var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(CertificateFile!);
            var intermediates = new X509Certificate2Collection(
                chain.Where(c => c.Thumbprint != certificate.Thumbprint).ToArray());
            context = SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
            return true;
        }
        catch (Exception error) when (error is CryptographicException or IOException or
            UnauthorizedAccessException or ArgumentException)
        {
            problem = $"cannot load '{CertificateFile}' with key '{KeyFile}': {error.Message}";
            return false;
        }
    }

    /// <summary>
    /// An ECDSA P-256 certificate for <paramref name="hostname"/>, valid a year: quick to make,
    /// and accepted by every TLS 1.2 and 1.3 client. MTAs rarely verify an MX certificate, so
    /// this lets FakeMX record which clients use TLS without any certificate to manage.
    /// </summary>
    private static X509Certificate2 SelfSigned(string hostname)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostname}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostname);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1")], critical: false));

        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
