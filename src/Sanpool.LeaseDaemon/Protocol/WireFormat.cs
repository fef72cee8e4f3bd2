using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Sanpool.Core;

namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>Encoding of messages as lines, and decoding with protocol errors instead of JSON exceptions.</summary>
internal static class WireFormat
{
    /// <summary>The message as compact JSON and a newline.</summary>
    public static byte[] Encode(object message)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(message, message.GetType(), ProtocolJsonContext.Default);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }

    /// <summary>Parses a line into a JSON object; BAD_REQUEST (or <paramref name="onError"/>) if it is not one.</summary>
    public static JsonDocument ParseObject(string line, ErrorCode onError)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new SanpoolException(onError, $"malformed JSON: {e.Message}");
        }

        var kind = doc.RootElement.ValueKind;
        if (kind != JsonValueKind.Object)
        {
            doc.Dispose();
            throw new SanpoolException(onError, $"expected a JSON object, got {kind}");
        }

        return doc;
    }

    public static T Decode<T>(JsonElement element, JsonTypeInfo<T> info, ErrorCode onError)
    {
        try
        {
            return element.Deserialize(info) ?? throw new SanpoolException(onError, $"empty {typeof(T).Name}");
        }
        catch (JsonException e)
        {
            throw new SanpoolException(onError, $"bad {typeof(T).Name}: {e.Message}");
        }
    }
}
