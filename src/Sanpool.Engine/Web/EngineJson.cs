using System.Text.Json;
using System.Text.Json.Serialization;
using Sanpool.Api;

namespace Sanpool.Engine.Web;

/// <summary>
/// The REST API's JSON: the contract's settings (<see cref="ApiJson"/>: snake_case names, nulls
/// left out, text unescaped), with enums as lower-case snake_case strings ("readonly", "ok",
/// "locked"), as oVirt's JSON writes its enums.
/// </summary>
public static class EngineJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions());

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ApiJson.Configure(options);
        for (int i = options.Converters.Count - 1; i >= 0; i--)
        {
            if (options.Converters[i] is JsonStringEnumConverter)
            {
                options.Converters.RemoveAt(i);
            }
        }

        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        return options;
    }
}
