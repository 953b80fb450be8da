using System.Text;

namespace EdgeCommerce.Cli.Common;

/// <summary>
/// A plain-text table for people: upper-case headers, columns padded to their widest cell and
/// separated by two spaces, no trailing spaces. What every listing verb prints by default.
/// </summary>
internal sealed class TextTable
{
    private readonly string[] _headers;
    private readonly List<string[]> _rows = [];

    public TextTable(params string[] headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        _headers = headers;
    }

    public int Count => _rows.Count;

    public TextTable Add(params string?[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != _headers.Length)
        {
            throw new ArgumentException($"A row needs {_headers.Length} cells; got {cells.Length}.", nameof(cells));
        }

        _rows.Add([.. cells.Select(static cell => string.IsNullOrEmpty(cell) ? "-" : cell)]);
        return this;
    }

    public override string ToString()
    {
        var widths = _headers.Select((header, column) => _rows.Select(row => row[column].Length).Append(header.Length).Max()).ToArray();
        var text = new StringBuilder();
        foreach (var row in _rows.Prepend(_headers))
        {
            var line = new StringBuilder();
            for (var column = 0; column < row.Length; column++)
            {
                line.Append(column == row.Length - 1 ? row[column] : row[column].PadRight(widths[column] + 2));
            }

            text.AppendLine(line.ToString().TrimEnd());
        }

        return text.ToString().TrimEnd();
    }
}
