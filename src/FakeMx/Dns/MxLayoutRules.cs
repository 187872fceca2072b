namespace FakeMx.Dns;

/// <summary>
/// The judgement of <c>fakemx check</c>, kept apart from DNS and sockets: given the MX hosts
/// (with FakeMX marked and probes done), it adds the findings. Backup mode wants FakeMX
/// strictly least preferred; nolisting mode wants it strictly most preferred and refusing at
/// connect. Both want every MX to be a name (not an address, not an alias) that resolves.
/// </summary>
public static class MxLayoutRules
{
    public static void Evaluate(MxReport report, MxCheckOptions options)
    {
        if (report.Findings.Any(f => f.Code == "mx-lookup-failed"))
        {
            return;
        }

        if (report.NullMx)
        {
            report.Add(Severity.Problem, "null-mx", report.Hosts.Count == 1
                ? $"{report.Domain} publishes a null MX (RFC 7505): it accepts no mail at all, so there is " +
                  "nothing for FakeMX to protect. Replace it with your real MX records first."
                : $"{report.Domain} mixes a null MX with other MX records; RFC 7505 §3 says a null MX must be " +
                  "the only one. Remove the '0 .' record.");
            return;
        }

        if (report.Hosts.Count == 0)
        {
            report.Add(Severity.Problem, "no-mx",
                $"{report.Domain} has no MX records: senders fall back to its A/AAAA record (RFC 5321 §5.1). " +
                "Publish your real MX and FakeMX as MX records.");
            return;
        }

        foreach (var host in report.Hosts)
        {
            CheckName(report, host);
        }

        var fakes = report.Hosts.Where(h => h.IsFakeMx).ToList();
        var reals = report.Hosts.Where(h => !h.IsFakeMx).ToList();
        if (fakes.Count == 0)
        {
            report.Add(Severity.Problem, "no-fakemx", options.FakeMxHosts.Count > 0
                ? $"None of the MX records is a FakeMX host ({string.Join(", ", options.FakeMxHosts)})."
                : "No MX record was recognised as FakeMX: name it with --fakemx HOST, or use --probe.");
            return;
        }

        if (reals.Count == 0)
        {
            report.Add(Severity.Problem, "fakemx-only-mx",
                "FakeMX is the only MX: every message to this domain would be deferred until the sender gives " +
                "up. Publish the real MX as well.");
            return;
        }

        if (options.Nolisting)
        {
            CheckNolisting(report, fakes, reals);
        }
        else
        {
            CheckBackup(report, fakes, reals);
        }

        if (options.Probe)
        {
            CheckProbes(report, fakes, reals, options.Nolisting);
        }
    }

    private static void CheckName(MxReport report, MxHost host)
    {
        if (host.IsIpLiteral)
        {
            report.Add(Severity.Problem, "mx-ip-literal",
                $"MX {host.Preference} {host.Name} is an IP address; an MX must name a host (RFC 5321 §5.1, " +
                "RFC 1035 §3.3.9), and senders will not connect to it. Give the host a name with an A record.");
            return;
        }

        if (host.CnameTarget is not null)
        {
            report.Add(Severity.Problem, "mx-cname",
                $"MX {host.Preference} {host.Name} is an alias (CNAME to {host.CnameTarget}); an MX must not " +
                $"point at an alias (RFC 2181 §10.3, RFC 5321 §5.1). Use {host.CnameTarget} in the MX record.");
        }

        if (!host.Resolves)
        {
            report.Add(Severity.Problem, "mx-unresolved",
                $"MX {host.Preference} {host.Name} does not resolve ({host.ResolveError}); senders skip it. " +
                "Add its A (and AAAA) record.");
        }
    }

    private static void CheckBackup(MxReport report, List<MxHost> fakes, List<MxHost> reals)
    {
        var worstReal = reals.Max(h => h.Preference);
        foreach (var fake in fakes)
        {
            var tied = reals.Where(r => r.Preference == fake.Preference).Select(r => r.Name).ToList();
            if (tied.Count > 0)
            {
                report.Add(Severity.Problem, "fakemx-shares-preference",
                    $"FakeMX {fake.Name} shares preference {fake.Preference} with the real MX " +
                    $"{string.Join(", ", tied)}: senders choose between them at random (RFC 5321 §5.1), so " +
                    $"legitimate mail is deferred half the time. Give FakeMX a number above {worstReal}.");
            }
            else if (fake.Preference < worstReal)
            {
                report.Add(Severity.Problem, "fakemx-not-least-preferred",
                    $"FakeMX {fake.Name} (preference {fake.Preference}) is tried before the real MX at " +
                    $"{worstReal}: legitimate mail meets it first. Give FakeMX a number above {worstReal}.");
            }
            else
            {
                report.Add(Severity.Ok, "fakemx-least-preferred",
                    $"FakeMX {fake.Name} is the least preferred MX ({fake.Preference}, real MX up to {worstReal}): " +
                    "legitimate senders only reach it when every real MX failed, and then retry later.");
            }
        }
    }

    private static void CheckNolisting(MxReport report, List<MxHost> fakes, List<MxHost> reals)
    {
        var bestReal = reals.Min(h => h.Preference);
        foreach (var fake in fakes)
        {
            if (fake.Preference < bestReal)
            {
                report.Add(Severity.Ok, "nolisting-fakemx-most-preferred",
                    $"FakeMX {fake.Name} is the most preferred MX ({fake.Preference}, real MX from {bestReal}): " +
                    "senders meet it first and, refused at connect, move on to the real MX at once.");
            }
            else
            {
                report.Add(Severity.Problem, "nolisting-fakemx-not-most-preferred",
                    $"Nolisting needs FakeMX {fake.Name} strictly before every real MX, but its preference " +
                    $"{fake.Preference} is not below {bestReal}. Give it a number below {bestReal}.");
            }
        }

        report.Add(Severity.Warning, "nolisting-risk",
            "Nolisting costs some legitimate mail: senders that try only the first MX, or give up after one " +
            "refused connection, never reach the real MX; senders that treat a refused greeting as a host " +
            "failure (Exim) skip FakeMX until their retry time, which is harmless; and FakeMX must refuse at " +
            "connect (--defer-at connect), because a sender like Postfix gives up after two SMTP sessions " +
            "(smtp_mx_session_limit) that got past the greeting.");
    }

    private static void CheckProbes(MxReport report, List<MxHost> fakes, List<MxHost> reals, bool nolisting)
    {
        foreach (var fake in fakes)
        {
            foreach (var probe in fake.Probes)
            {
                var failure = probe.TemporaryFailure;
                if (probe.Error is not null)
                {
                    report.Add(Severity.Problem, "fakemx-unreachable",
                        $"FakeMX {fake.Name} at {probe.Endpoint}: {probe.Error}. Senders that pick it get a " +
                        "connection error instead of a recorded temporary failure.");
                }
                else if (probe.AcceptsData)
                {
                    report.Add(Severity.Problem, "fakemx-accepts-mail",
                        $"{fake.Name} at {probe.Endpoint} answered DATA with 354: it would accept mail, so it is " +
                        "not FakeMX (the probe hung up without sending a message).");
                }
                else if (failure is null)
                {
                    report.Add(Severity.Problem, "fakemx-no-temporary-failure",
                        $"{fake.Name} at {probe.Endpoint} gave no temporary failure " +
                        $"({Walk(probe)}); FakeMX answers 4xx at its deferral stage.");
                }
                else if (nolisting && failure.Command != "connect")
                {
                    report.Add(Severity.Problem, "nolisting-not-refusing-at-connect",
                        $"FakeMX {fake.Name} at {probe.Endpoint} defers at {failure.Command}, not at connect: a " +
                        "sender's session with it counts against smtp_mx_session_limit and can keep mail from " +
                        "the real MX. Run it with --defer-at connect.");
                }
                else
                {
                    report.Add(Severity.Ok, "fakemx-temporary-failure",
                        $"FakeMX {fake.Name} at {probe.Endpoint} answers {failure.Code} at {failure.Command}: " +
                        $"\"{failure.Reply}\".");
                }
            }
        }

        foreach (var real in reals)
        {
            foreach (var probe in real.Probes)
            {
                if (probe.Error is not null)
                {
                    report.Add(Severity.Warning, "mx-unreachable",
                        $"MX {real.Name} at {probe.Endpoint}: {probe.Error}.");
                }
                else if (probe.StartTls == false)
                {
                    report.Add(Severity.Warning, "mx-no-starttls",
                        $"MX {real.Name} at {probe.Endpoint} does not offer STARTTLS: mail to it travels in clear.");
                }
            }
        }
    }

    /// <summary>The probe's exchanges in one short line: <c>connect 220, EHLO 250, MAIL 250</c>.</summary>
    public static string Walk(ProbeResult probe) =>
        string.Join(", ", probe.Steps.Select(s => $"{s.Command} {s.Code}"));
}
