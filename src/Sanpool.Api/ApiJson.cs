using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Sanpool.Api;

/// <summary>
/// How the contract's records look as JSON, on both ends: snake_case names, enums by name,
/// nulls left out. A request goes over the wire as one flat JSON object whose values are
/// strings (<see cref="Arguments{T}"/>), the form the agent has always read, and is bound back
/// strictly by <see cref="Binding.RequestBinder"/>; a reply is the record serialized as is.
/// </summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions());

    /// <summary>Applies the contract's settings to <paramref name="options"/> (the agent's HTTP JSON options use this).</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;

        // Text as written ("+", "'", "<", non-ASCII), not \u002B: the API's JSON is read by people
        // and scripts, never embedded in HTML, and JSON itself needs only quotes, backslashes and
        // control characters escaped. The CLI prints with the same encoder (CliJson).
        options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter());
        return options;
    }

    /// <summary>A record as the JSON the API carries it (for printing it whole, or reading it as something else).</summary>
    public static JsonNode Node<T>(T value) => JsonSerializer.SerializeToNode(value, Options) ?? throw new ArgumentNullException(nameof(value));

    /// <summary>
    /// A request as the wire's argument strings: each non-null property by its JSON name, text
    /// as is, numbers and booleans as their JSON text (<c>1073741824</c>, <c>true</c>).
    /// </summary>
    public static Dictionary<string, string> Arguments<T>(T request)
        where T : notnull
    {
        if (request is IReadOnlyDictionary<string, string> raw)
        {
            return new Dictionary<string, string>(raw, StringComparer.Ordinal);
        }

        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        if (JsonSerializer.SerializeToNode(request, Options) is not JsonObject fields)
        {
            throw new ArgumentException($"{typeof(T).Name} is not a JSON object", nameof(request));
        }

        foreach (var (name, value) in fields)
        {
            switch (value)
            {
                case null:
                    break;
                case JsonValue v when v.TryGetValue(out string? text):
                    args[name] = text;
                    break;
                case JsonValue v:
                    args[name] = v.ToJsonString();
                    break;
                default:
                    throw new ArgumentException($"{typeof(T).Name}.{name} is not a flat value; requests carry strings, numbers and booleans only", nameof(request));
            }
        }

        return args;
    }
}
