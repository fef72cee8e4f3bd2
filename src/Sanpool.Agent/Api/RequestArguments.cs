using Sanpool.Api.Client;
using Sanpool.Api.Binding;
using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;
using Sanpool.Core;

namespace Sanpool.Agent.Api;

/// <summary>
/// A request's arguments, read strictly into the string dictionary a verb takes. The body is
/// one JSON object whose values are strings, numbers or booleans:
/// <code>
/// {"domain": "5e1b...", "size": 1073741824, "collapse": true}  ->  domain=5e1b..., size=1073741824, collapse=true
/// </code>
/// Numbers become invariant text: a 64-bit integer as its digits (1e3 -> 1000), any other as
/// a decimal (1.50 -> 1.50); one outside the decimal range is refused. Booleans become
/// <c>true</c>/<c>false</c>. Nested objects, arrays, null, a name twice, text that is not
/// UTF-8 and anything after the object are BAD_REQUEST naming the problem; error messages
/// quote at most 64 characters of what was sent. An empty body is no arguments.
/// </summary>
internal static class RequestArguments
{
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = 4,
    };

    public static Dictionary<string, string> FromJson(ReadOnlySpan<byte> body, AgentApiOptions limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            return args;
        }

        if (!Utf8.IsValid(body))
        {
            throw Bad("the body is not UTF-8 text");
        }

        var reader = new Utf8JsonReader(body, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Bad($"the body must be a JSON object of arguments, not {Describe(reader.TokenType)}");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = Text(ref reader, "an argument name");
                reader.Read();
                Add(args, name, Value(ref reader, name), limits);
            }

            // The loop left the reader on the object's end; anything after it is an error (JsonException).
            while (reader.Read())
            {
            }
        }
        catch (JsonException e)
        {
            throw Bad($"malformed JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine}: {Reason(e)}");
        }

        return args;
    }

    /// <summary>The query string of a GET: each name once, values as sent.</summary>
    public static Dictionary<string, string> FromQuery(IQueryCollection query, AgentApiOptions limits)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(limits);
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in query)
        {
            if (values.Count != 1)
            {
                throw Bad($"argument '{VerbArgs.Printable(name)}' appears {values.Count} times in the query");
            }

            Add(args, name, values[0] ?? "", limits);
        }

        return args;
    }

    private static void Add(Dictionary<string, string> args, string name, string value, AgentApiOptions limits)
    {
        if (name.Length == 0 || name.Length > limits.MaxArgumentNameLength)
        {
            throw Bad($"argument name '{VerbArgs.Printable(name)}' must be 1 to {limits.MaxArgumentNameLength} characters");
        }

        if (value.Length > limits.MaxArgumentLength)
        {
            throw Bad($"argument '{VerbArgs.Printable(name)}' is {value.Length} characters long; at most {limits.MaxArgumentLength} are taken");
        }

        if (!args.TryAdd(name, value))
        {
            throw Bad($"argument '{VerbArgs.Printable(name)}' is given twice");
        }

        if (args.Count > limits.MaxArguments)
        {
            throw Bad($"more than {limits.MaxArguments} arguments");
        }
    }

    private static string Value(ref Utf8JsonReader reader, string name) => reader.TokenType switch
    {
        JsonTokenType.String => Text(ref reader, $"argument '{VerbArgs.Printable(name)}'"),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Number => Number(ref reader, name),
        _ => throw Bad($"argument '{VerbArgs.Printable(name)}' is {Describe(reader.TokenType)}; values are strings, numbers or booleans"),
    };

    private static string Number(ref Utf8JsonReader reader, string name)
    {
        if (reader.TryGetInt64(out long integer))
        {
            return integer.ToString(CultureInfo.InvariantCulture);
        }

        if (reader.TryGetDecimal(out decimal number))
        {
            return decimal.IsInteger(number) && number is >= long.MinValue and <= long.MaxValue
                ? ((long)number).ToString(CultureInfo.InvariantCulture)
                : number.ToString(CultureInfo.InvariantCulture);
        }

        throw Bad($"argument '{VerbArgs.Printable(name)}' is a number out of range");
    }

    private static string Text(ref Utf8JsonReader reader, string what)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape (\ud800): valid JSON, but not text.
            throw Bad($"{what} is not valid Unicode");
        }
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.Null => "null",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => "empty",
    };

    /// <summary>The reader's reason without its position suffix, which the message already gives.</summary>
    private static string Reason(JsonException e)
    {
        string message = e.Message;
        int position = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return VerbArgs.Printable(position > 0 ? message[..position] : message);
    }

    private static SanpoolException Bad(string message) => new(AgentErrors.BadRequest, message);
}
