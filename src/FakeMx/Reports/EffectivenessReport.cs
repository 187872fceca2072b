using System.Globalization;
using FakeMx.Hosting;

namespace FakeMx.Reports;

/// <summary>
/// The answer to "how much did FakeMX deter, and what did it cost legitimate mail?": FakeMX
/// sessions matched against what the primary MX's Postfix log says happened afterwards.
/// </summary>
public sealed class EffectivenessReport
{
    /// <summary>How long after a FakeMX session a delivery at the primary still counts.</summary>
    public required TimeSpan Window { get; init; }

    /// <summary>Whether a delivery had to come from the same client network when visible.</summary>
    public required bool MatchNetwork { get; init; }

    /// <summary>The span of the primary's log; FakeMX sessions before it are not judged.</summary>
    public DateTimeOffset? LogFirst { get; init; }
    public DateTimeOffset? LogLast { get; init; }

    public long LogLines { get; init; }

    /// <summary>Log lines with no recognisable header (skipped, never fatal).</summary>
    public long LogUnparsable { get; init; }
    public long LogOtherPrograms { get; init; }
    public IReadOnlyList<string> LogUnparsableSamples { get; init; } = [];

    /// <summary>Messages the primary accepted, and recipients it refused, in the whole log.</summary>
    public long PrimaryMessages { get; init; }
    public long PrimaryRejections { get; init; }

    public required EffectivenessFigures Overall { get; init; }

    /// <summary>Per recipient domain, busiest first. A session with recipients in several
    /// domains counts in each.</summary>
    public IReadOnlyList<DomainEffectiveness> Domains { get; init; } = [];

    /// <summary>Every judged session with its verdict, oldest first.</summary>
    public IReadOnlyList<SessionEffect> Sessions { get; init; } = [];

    /// <summary>The report as an operator reads it in a terminal.</summary>
    public void WriteText(TextWriter writer)
    {
        writer.WriteLine($"FakeMX effectiveness against the primary's Postfix log (window {Duration.Format(Window)}" +
            $"{(MatchNetwork ? ", same client network where visible" : string.Empty)})");
        writer.WriteLine($"Log: {LogLines} lines, {Stamp(LogFirst)} to {Stamp(LogLast)}; {PrimaryMessages} messages " +
            $"accepted, {PrimaryRejections} recipients refused; {LogUnparsable} unparsable lines skipped, " +
            $"{LogOtherPrograms} lines of other programs");
        foreach (var sample in LogUnparsableSamples)
        {
            writer.WriteLine($"  unparsable: {sample}");
        }

        writer.WriteLine();
        WriteFigures(writer, "All domains", Overall);
        foreach (var domain in Domains)
        {
            writer.WriteLine();
            WriteFigures(writer, domain.Domain, domain.Figures);
        }
    }

    private static void WriteFigures(TextWriter writer, string title, EffectivenessFigures f)
    {
        writer.WriteLine($"{title}: {f.Sessions} FakeMX sessions, {f.Judged} judged ({f.NoEnvelope} without " +
            $"sender and recipient, {f.Pending} still inside the window at the end of the log)");
        Row(writer, "delivered later at the primary (legitimate, delayed):", f.Delivered, f.DeliveredShare);
        if (f.Delay is { } delay)
        {
            writer.WriteLine($"    delay: median {Seconds(delay.MedianSeconds)}, p90 {Seconds(delay.P90Seconds)}, " +
                $"max {Seconds(delay.MaxSeconds)}; {f.DeliveredSameNetwork} from the same client network");
        }

        Row(writer, "refused by the primary:", f.Rejected, f.RejectedShare);
        Row(writer, "never seen at the primary (deterred):", f.NeverSeen, f.NeverSeenShare);
        Row(writer, "came back to FakeMX (retried the wrong MX: likely bot):", f.Returned, f.ReturnedShare);
    }

    private static void Row(TextWriter writer, string label, long count, double share) =>
        writer.WriteLine($"  {label,-56}{count,7} {Share(share)}");

    private static string Share(double share) => $"({(share * 100).ToString("0.0", CultureInfo.InvariantCulture)}%)";

    /// <summary>0.4s, 42s, 7m05s, 3h20m: precise where it matters, short where it does not.</summary>
    private static string Seconds(double seconds)
    {
        var time = TimeSpan.FromSeconds(seconds);
        return seconds switch
        {
            < 10 => $"{seconds.ToString("0.0", CultureInfo.InvariantCulture)}s",
            < 60 => $"{Math.Round(seconds).ToString(CultureInfo.InvariantCulture)}s",
            < 3600 => $"{time.Minutes}m{time.Seconds:00}s",
            _ => $"{(int)time.TotalHours}h{time.Minutes:00}m",
        };
    }

    private static string Stamp(DateTimeOffset? time) =>
        time?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";
}

/// <summary>The effectiveness figures of one recipient domain.</summary>
public sealed record DomainEffectiveness(string Domain, EffectivenessFigures Figures);
