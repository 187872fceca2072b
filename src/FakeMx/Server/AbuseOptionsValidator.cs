using FakeMx.Hosting;

namespace FakeMx.Server;

/// <summary>
/// Checks <see cref="AbuseOptions"/> and <see cref="TlsOptions"/> before the server starts: each
/// problem is one line naming the flag and what it accepts.
/// </summary>
public static class AbuseOptionsValidator
{
    public static IReadOnlyList<string> Validate(AbuseOptions abuse, TlsOptions tls, TimeSpan idleTimeout)
    {
        var problems = new List<string>();

        if (!RateSpec.TryParse(abuse.ConnectionRatePerIp, out _, out var ipRate))
        {
            problems.Add($"--connection-rate-per-ip: {ipRate}");
        }

        if (!RateSpec.TryParse(abuse.ConnectionRatePerNetwork, out _, out var networkRate))
        {
            problems.Add($"--connection-rate-per-network: {networkRate}");
        }

        foreach (var proxy in abuse.ProxyProtocolFrom)
        {
            if (!CidrSet.TryParseEntry(proxy.Trim(), out _, out _, out var problem))
            {
                problems.Add($"--proxy-protocol-from: {problem}");
            }
        }

        if (abuse.GreetDelay < TimeSpan.Zero || abuse.GreetDelay >= idleTimeout)
        {
            problems.Add($"--greet-delay: must be 0 or more and shorter than --idle-timeout " +
                $"({Duration.Format(idleTimeout)}); got {Duration.Format(abuse.GreetDelay)}");
        }

        if (!Enum.IsDefined(abuse.Tarpit))
        {
            problems.Add("--tarpit: must be off, stutter or delay");
        }

        if (!Tarpit.TryParseStages(abuse.TarpitStages, out _, out var stageProblem))
        {
            problems.Add($"--tarpit-stages: {stageProblem}");
        }

        Positive(problems, "--tarpit-interval", abuse.TarpitInterval);
        Positive(problems, "--tarpit-delay", abuse.TarpitDelay);
        Positive(problems, "--proxy-header-timeout", abuse.ProxyHeaderTimeout);
        Positive(problems, "--reload-check-interval", abuse.ReloadCheckInterval);
        Positive(problems, "--tls-handshake-timeout", tls.TlsHandshakeTimeout);
        if (abuse.TarpitBytes < 1)
        {
            problems.Add($"--tarpit-bytes: must be at least 1 (got {abuse.TarpitBytes})");
        }

        if (abuse.TarpitMaxSessions < 0)
        {
            problems.Add($"--tarpit-max-sessions: must be 0 or more (got {abuse.TarpitMaxSessions})");
        }

        ValidateTls(problems, tls);
        return problems;
    }

    private static void ValidateTls(List<string> problems, TlsOptions tls)
    {
        var mode = tls.Tls?.Trim();
        if (!string.IsNullOrEmpty(mode) && mode != "off" && !tls.IsSelfSigned)
        {
            problems.Add($"--tls: '{mode}' is not a mode; use self-signed, or give --tls-cert and --tls-key");
        }

        if (tls.IsSelfSigned && (!string.IsNullOrEmpty(tls.TlsCert) || !string.IsNullOrEmpty(tls.TlsKey)))
        {
            problems.Add("--tls self-signed: leave out --tls-cert and --tls-key, or drop --tls self-signed");
        }

        if (string.IsNullOrEmpty(tls.TlsCert) != string.IsNullOrEmpty(tls.TlsKey))
        {
            problems.Add("--tls-cert and --tls-key: give both (a PEM certificate and its PEM private key)");
        }
    }

    private static void Positive(List<string> problems, string flag, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{flag}: must be a positive duration (got {value})");
        }
    }
}
