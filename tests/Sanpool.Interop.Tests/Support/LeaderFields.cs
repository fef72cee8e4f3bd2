using System.Globalization;

namespace Sanpool.Interop.Tests.Support;

/// <summary>
/// The "name value" lines that <c>sanlock direct read_leader</c> and <c>sanpool lease
/// read-leader</c> print, in order. sanlock's "read_leader done N" status line is not a field.
/// </summary>
internal sealed record LeaderFields(IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    /// <summary>The fields both tools print, in sanlock's order (delta records name the last three extra1..3).</summary>
    public static readonly string[] PaxosNames =
    [
        "magic", "version", "flags", "sector_size", "num_hosts", "max_hosts", "owner_id", "owner_generation", "lver",
        "space_name", "resource_name", "timestamp", "checksum", "io_timeout", "write_id", "write_generation", "write_timestamp",
    ];

    public static readonly string[] DeltaNames = [.. PaxosNames[..^3], "extra1", "extra2", "extra3"];

    public static LeaderFields Parse(string output)
    {
        var fields = new List<KeyValuePair<string, string>>();
        foreach (string line in output.Split('\n'))
        {
            if (line.Length == 0 || line.Contains(" done ", StringComparison.Ordinal))
            {
                continue;
            }

            int space = line.IndexOf(' ', StringComparison.Ordinal);
            fields.Add(space < 0
                ? new(line, "")
                : new(line[..space], line[(space + 1)..]));
        }

        return new LeaderFields(fields);
    }

    public string this[string name] => Fields.Single(f => f.Key == name).Value;

    public ulong Number(string name)
    {
        string value = this[name];
        return value.StartsWith("0x", StringComparison.Ordinal)
            ? ulong.Parse(value[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : ulong.Parse(value, CultureInfo.InvariantCulture);
    }

    public IEnumerable<string> Names => Fields.Select(f => f.Key);

    public override string ToString() => string.Join('\n', Fields.Select(f => $"{f.Key} {f.Value}"));
}
