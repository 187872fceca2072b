using Microsoft.Extensions.Logging;

namespace FakeMx.Server;

/// <summary>
/// The allow and deny lists in force. Each is swapped whole on reload, so a connection always
/// sees one complete list; a file with a bad line is refused and the previous list stays.
/// </summary>
internal sealed class AccessLists
{
    private readonly string? _allowPath;
    private readonly string? _denyPath;
    private CidrSet _allow = CidrSet.Empty;
    private CidrSet _deny = CidrSet.Empty;

    /// <summary>Loads both lists; at start a bad file is a configuration error.</summary>
    public AccessLists(AbuseOptions options)
    {
        _allowPath = NullIfEmpty(options.AllowList);
        _denyPath = NullIfEmpty(options.DenyList);
        var problems = new List<string>();

        if (_allowPath is not null && !CidrListFile.TryLoad(_allowPath, out _allow, out var allowProblem))
        {
            problems.Add($"--allow-list: {allowProblem}");
        }

        if (_denyPath is not null && !CidrListFile.TryLoad(_denyPath, out _deny, out var denyProblem))
        {
            problems.Add($"--deny-list: {denyProblem}");
        }

        if (problems.Count > 0)
        {
            throw new Hosting.ConfigurationProblem(problems);
        }
    }

    public CidrSet Allow => Volatile.Read(ref _allow);

    public CidrSet Deny => Volatile.Read(ref _deny);

    /// <summary>The list files, for the watcher.</summary>
    public IEnumerable<string> Files => new[] { _allowPath, _denyPath }.OfType<string>();

    /// <summary>Reloads whichever list lives at <paramref name="path"/>.</summary>
    public void Reload(string path, ILogger logger)
    {
        if (path == _allowPath)
        {
            Reload(path, "allow", ref _allow, logger);
        }

        if (path == _denyPath)
        {
            Reload(path, "deny", ref _deny, logger);
        }
    }

    private static void Reload(string path, string which, ref CidrSet current, ILogger logger)
    {
        if (!CidrListFile.TryLoad(path, out var fresh, out var problem))
        {
            AbuseLog.ListRejected(logger, problem!, which, Volatile.Read(ref current).Count);
            return;
        }

        Volatile.Write(ref current, fresh);
        AbuseLog.ListLoaded(logger, which, path, fresh.Count);
    }

    private static string? NullIfEmpty(string? path) =>
        string.IsNullOrWhiteSpace(path) ? null : Path.GetFullPath(path);
}
