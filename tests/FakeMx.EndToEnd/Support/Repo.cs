namespace FakeMx.EndToEnd.Support;

/// <summary>Where the repository, the built fakemx executable and the test artifacts are.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// The fakemx executable built beside this test assembly's configuration (Release or
    /// Debug), falling back to the other one.
    /// </summary>
    public static string FakeMxExecutable { get; } = FindFakeMx();

    /// <summary>Logs of each end-to-end scenario, kept for reading after a run (CI artifacts).</summary>
    public static string ArtifactsFor(string scenario)
    {
        var directory = Path.Combine(Root, "artifacts", "e2e", scenario);
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        return directory;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null;
             directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FakeMx.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no FakeMx.slnx above {AppContext.BaseDirectory}");
    }

    private static string FindFakeMx()
    {
        var mine = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        var other = mine == "Debug" ? "Release" : "Debug";
        foreach (var configuration in new[] { mine, other })
        {
            var path = Path.Combine(Root, "src", "FakeMx", "bin", configuration, "net10.0", "fakemx");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException(
            "fakemx is not built: run `dotnet build FakeMx.slnx -c Release` first");
    }
}
