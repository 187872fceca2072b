namespace FakeMx.Tests.Support;

/// <summary>A fresh folder under /tmp for one test's files, removed when the test ends.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = Directory.CreateTempSubdirectory("fakemx-abuse-test-").FullName;
    }

    public string Path { get; }

    /// <summary>Writes <paramref name="lines"/> to <paramref name="name"/> in one replace, as an
    /// operator's editor or deploy tool would, and returns the file's path.</summary>
    public string Write(string name, params string[] lines)
    {
        var path = System.IO.Path.Combine(Path, name);
        var staging = path + ".new";
        File.WriteAllLines(staging, lines);
        File.Move(staging, path, overwrite: true);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
