using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sanpool.Cli;

/// <summary>
/// How the CLI prints JSON: camelCase, indented, text as written ("+" and non-ASCII unescaped,
/// as the agent's API writes it: <see cref="Sanpool.Api.ApiJson"/>).
/// </summary>
internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
