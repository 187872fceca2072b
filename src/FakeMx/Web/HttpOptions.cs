using System.Net;
using FakeMx.Server;
using Microsoft.Extensions.Configuration;

namespace FakeMx.Web;

/// <summary>
/// The HTTP endpoint: metrics, health, the JSON API and the dashboard, on a listener of its
/// own in the same host as SMTP. Bound from the <c>Http</c> configuration section.
/// </summary>
public sealed class HttpOptions
{
    public const string Section = "Http";

    /// <summary>The value of <see cref="Listen"/> that turns the endpoint off.</summary>
    public const string Off = "off";

    /// <summary>
    /// Where the endpoint listens, <c>ADDR:PORT</c>, or <c>off</c>. Default 127.0.0.1:8025:
    /// loopback only, so a fresh install shows nothing to the internet, on the port MailHog and
    /// similar mail tools made familiar for a mail server's web page.
    /// </summary>
    public string Listen { get; set; } = "127.0.0.1:8025";

    /// <summary>
    /// Access token every request must carry (as <c>Authorization: Bearer TOKEN</c>, or once as
    /// <c>?token=</c> in a browser). Default none. Required when <see cref="Listen"/> is not a
    /// loopback address, and enforced on loopback too once set.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>A file holding the token (first line), so it stays out of <c>ps</c> and unit
    /// files. Default none.</summary>
    public string? TokenFile { get; set; }

    /// <summary>
    /// Serve a non-loopback address without a token. Default false: the API names every client
    /// and recipient seen, which should not be public by accident.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>The parsed <see cref="Listen"/>; null when the endpoint is off.</summary>
    public IPEndPoint? Endpoint { get; private set; }

    /// <summary>True when <see cref="Listen"/> named every address (<c>*:PORT</c>).</summary>
    public bool AnyAddress { get; private set; }

    public bool Enabled => Endpoint is not null || AnyAddress;

    public int Port { get; private set; }

    /// <summary>
    /// Reads and checks the section against the SMTP listeners; the problems come back as
    /// operator-facing lines naming the flag to change.
    /// </summary>
    public static HttpOptions Bind(
        IConfiguration configuration,
        IEnumerable<string> smtpListen,
        out List<string> problems)
    {
        var options = new HttpOptions();
        problems = [];
        var section = configuration.GetSection(Section);
        options.Listen = section["Listen"] is { Length: > 0 } listen ? listen.Trim() : options.Listen;
        options.Token = section["Token"] is { Length: > 0 } token ? token : null;
        options.TokenFile = section["TokenFile"] is { Length: > 0 } file ? file : null;
        if (section["AllowAnonymous"] is { Length: > 0 } anonymous)
        {
            if (!bool.TryParse(anonymous, out var allow))
            {
                problems.Add($"--http-allow-anonymous: '{anonymous}' is not true or false");
            }

            options.AllowAnonymous = allow;
        }

        if (options.Listen.Equals(Off, StringComparison.OrdinalIgnoreCase))
        {
            return options;
        }

        if (!ListenEndpoint.TryParse(options.Listen, out var endpoint, out var port, out var problem))
        {
            problems.Add($"--http: {problem}, or 'off'");
            return options;
        }

        options.Endpoint = endpoint;
        options.AnyAddress = endpoint is null;
        options.Port = port;
        options.ReadTokenFile(problems);
        options.CheckAgainstSmtp(smtpListen, problems);

        var loopback = endpoint is not null && IPAddress.IsLoopback(endpoint.Address);
        if (!loopback && options.Token is null && !options.AllowAnonymous && problems.Count == 0)
        {
            problems.Add($"--http {options.Listen} is not a loopback address, so it needs an access token: " +
                "set --http-token or --http-token-file, or pass --http-allow-anonymous to serve it to anyone");
        }

        return options;
    }

    private void ReadTokenFile(List<string> problems)
    {
        if (TokenFile is null)
        {
            if (Token is not null && string.IsNullOrWhiteSpace(Token))
            {
                problems.Add("--http-token: the token is empty");
            }

            return;
        }

        if (Token is not null)
        {
            problems.Add("--http-token and --http-token-file: give one or the other, not both");
            return;
        }

        try
        {
            var line = File.ReadLines(TokenFile).FirstOrDefault()?.Trim();
            if (string.IsNullOrEmpty(line))
            {
                problems.Add($"--http-token-file: '{TokenFile}' is empty; put the token on its first line");
                return;
            }

            Token = line;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            problems.Add($"--http-token-file: cannot read '{TokenFile}': {error.Message}");
        }
    }

    private void CheckAgainstSmtp(IEnumerable<string> smtpListen, List<string> problems)
    {
        if (Port == 0)
        {
            return;
        }

        foreach (var listen in smtpListen)
        {
            if (!ListenEndpoint.TryParse(listen, out var smtp, out var smtpPort, out _) || smtpPort != Port)
            {
                continue;
            }

            var sameAddress = smtp is null || Endpoint is null || smtp.Address.Equals(Endpoint.Address);
            if (sameAddress)
            {
                problems.Add($"--http {Listen} overlaps the SMTP listener {listen}: " +
                    "the web endpoint never shares a port with SMTP; pick another port with --http ADDR:PORT");
            }
        }
    }
}
