namespace FakeMx.Reports;

/// <summary>Which sessions and addresses an export takes, and how it words them.</summary>
public sealed record ExportCriteria
{
    /// <summary>Default <see cref="Since"/>: 7 days, long enough to catch a weekly bot run and
    /// short enough that a reassigned address falls off the list within a week.</summary>
    public static readonly TimeSpan DefaultSince = TimeSpan.FromDays(7);

    /// <summary>The default Postfix reject text; it names FakeMX so a rejected sender's
    /// postmaster can tell why.</summary>
    public const string DefaultRejectText =
        "Listed by FakeMX: this client delivered to a decoy MX; contact the postmaster if in error";

    /// <summary>The default A value of an rbldnsd listing, the DNSBL convention.</summary>
    public const string DefaultListedValue = "127.0.0.2";

    /// <summary>Sessions that started at or after now minus this. Default 7 days.</summary>
    public TimeSpan Since { get; init; } = DefaultSince;

    /// <summary>An address is exported when it has at least this many matching sessions.
    /// Default 1: one visit to a decoy MX is already the signal.</summary>
    public int MinSessions { get; init; } = 1;

    /// <summary>Only sessions where the client talked before the banner (the strongest bot
    /// signal). Default false.</summary>
    public bool PregreetOnly { get; init; }

    /// <summary>Which address family to keep. Default any; rbldnsd needs one family per file.</summary>
    public AddressFamilyFilter Family { get; init; } = AddressFamilyFilter.Any;

    /// <summary>The text after <c>REJECT</c> in the Postfix table, and the TXT of rbldnsd
    /// listings. Default <see cref="DefaultRejectText"/>.</summary>
    public string RejectText { get; init; } = DefaultRejectText;

    /// <summary>Addresses never exported, whatever they did. Default empty.</summary>
    public AddressListFile AllowList { get; init; } = AddressListFile.Empty;
}
