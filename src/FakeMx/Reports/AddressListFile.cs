namespace FakeMx.Reports;

/// <summary>
/// A list of addresses and networks as FakeMX reads it from a file: one <c>ADDR</c> or
/// <c>ADDR/LEN</c> per line, blank lines ignored, <c>#</c> starting a comment (whole line or
/// after an entry). The same format the server's allow list uses, so one file serves both.
/// Any bad line makes the whole file invalid: a half-read allow list would silently export
/// addresses the operator meant to protect.
/// </summary>
public sealed class AddressListFile
{
    private readonly IReadOnlyList<IpNetwork> _networks;

    private AddressListFile(IReadOnlyList<IpNetwork> networks) => _networks = networks;

    /// <summary>An empty list: nothing is allowed.</summary>
    public static AddressListFile Empty { get; } = new([]);

    /// <summary>The entries, aggregated.</summary>
    public IReadOnlyList<IpNetwork> Networks => _networks;

    /// <summary>Reads <paramref name="text"/>; <paramref name="problems"/> names each bad line as
    /// <c>SOURCE:LINE: problem</c>.</summary>
    public static bool TryParse(
        string text,
        string source,
        out AddressListFile list,
        out IReadOnlyList<string> problems)
    {
        var networks = new List<IpNetwork>();
        var bad = new List<string>();
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine;
            var hash = line.IndexOf('#');
            if (hash >= 0)
            {
                line = line[..hash];
            }

            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (IpNetwork.TryParse(line, out var network, out var problem))
            {
                networks.Add(network.Value);
            }
            else
            {
                bad.Add($"{source}:{lineNumber}: {problem}");
            }
        }

        list = new AddressListFile(CidrAggregator.Aggregate(networks));
        problems = bad;
        return bad.Count == 0;
    }

    /// <summary>Reads a file; a missing or unreadable file is a problem like a bad line.</summary>
    public static bool TryLoad(string path, out AddressListFile list, out IReadOnlyList<string> problems)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            list = Empty;
            problems = [$"{path}: cannot read the list: {error.Message}"];
            return false;
        }

        return TryParse(text, path, out list, out problems);
    }

    /// <summary>True when any address of <paramref name="network"/> is on the list.</summary>
    public bool Overlaps(IpNetwork network) => _networks.Any(n => n.Overlaps(network));

    /// <summary>True when the whole of <paramref name="network"/> is on the list.</summary>
    public bool Covers(IpNetwork network) => _networks.Any(n => n.Contains(network));
}
