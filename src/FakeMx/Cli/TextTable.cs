namespace FakeMx.Cli;

/// <summary>
/// A plain aligned table for the terminal: a header row, then rows; the first column is
/// left-aligned, numeric columns right-aligned, two spaces between columns.
/// </summary>
public sealed class TextTable
{
    private readonly string[] _headers;
    private readonly List<string[]> _rows = [];

    public TextTable(params string[] headers)
    {
        _headers = headers;
    }

    public int Count => _rows.Count;

    public TextTable Add(params object?[] cells)
    {
        _rows.Add(cells.Select(c => c switch
        {
            null => "-",
            long or int or double => string.Format(System.Globalization.CultureInfo.InvariantCulture, "{0}", c),
            _ => c.ToString() ?? string.Empty,
        }).ToArray());
        return this;
    }

    public void WriteTo(TextWriter output)
    {
        var widths = _headers
            .Select((h, i) => Math.Max(h.Length, _rows.Select(r => r[i].Length).DefaultIfEmpty(0).Max()))
            .ToArray();
        var numeric = _headers.Select((_, i) => i > 0 && _rows.Count > 0 && _rows.All(r => IsNumber(r[i]))).ToArray();

        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) =>
            numeric[i] ? c.PadLeft(widths[i]) : i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();

        output.WriteLine(Line(_headers));
        foreach (var row in _rows)
        {
            output.WriteLine(Line(row));
        }
    }

    private static bool IsNumber(string cell) => cell == "-" || long.TryParse(cell, out _);
}
