namespace FakeMx.Server;

/// <summary>
/// Reads an allow or deny list: one address or CIDR block per line; <c>#</c> starts a comment,
/// blank lines are ignored. A bad line is an error naming <c>file:line</c>, never skipped: a
/// deny list that silently lost an entry would let that network in.
/// </summary>
internal static class CidrListFile
{
    public static bool TryLoad(string path, out CidrSet set, out string? problem)
    {
        set = CidrSet.Empty;
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            problem = $"{path}: cannot be read: {error.Message}";
            return false;
        }

        return TryParse(path, lines, out set, out problem);
    }

    public static bool TryParse(string path, IReadOnlyList<string> lines, out CidrSet set, out string? problem)
    {
        set = CidrSet.Empty;
        problem = null;
        var entries = new List<(NetworkKey, int)>(lines.Count);

        for (var i = 0; i < lines.Count; i++)
        {
            var text = lines[i];
            var hash = text.IndexOf('#');
            text = (hash < 0 ? text : text[..hash]).Trim();
            if (text.Length == 0)
            {
                continue;
            }

            if (!CidrSet.TryParseEntry(text, out var network, out var prefix, out var entryProblem))
            {
                problem = $"{path}:{i + 1}: {entryProblem}";
                return false;
            }

            entries.Add((network, prefix));
        }

        set = CidrSet.Of(entries);
        return true;
    }
}
