namespace Sanpool.Cli.Commands;

/// <summary>Rows of text as aligned columns, two spaces apart; the last column is not padded.</summary>
internal static class TextTable
{
    public static string Format(IReadOnlyList<string[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return "";
        }

        int columns = rows.Max(r => r.Length);
        int[] widths = [.. Enumerable.Range(0, columns).Select(i => rows.Max(r => i < r.Length ? r[i].Length : 0))];
        return string.Join(Environment.NewLine, rows.Select(row =>
            string.Concat(row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i] + 2))).TrimEnd()));
    }
}
