using System.Text.Json;

namespace Sanpool.Cli;

/// <summary>How the CLI prints JSON: camelCase, indented.</summary>
internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
