using System.Text;
using System.Text.Json;

namespace Sanpool.Agent.Tests.Api;

/// <summary>
/// Generates requests for the fuzz test from one seeded <see cref="Random"/>: mostly known verbs
/// with plausible or junk arguments, then mutated bodies (bit flips, cuts, inserted bytes,
/// duplicated keys, nesting, nulls, huge numbers, invalid UTF-8, deep brackets, oversize),
/// mutated and random verb names, wrong methods, content types and tokens.
/// Verb names never hold NUL, which Kestrel refuses before the API runs (a bare 400; see
/// MalformedRequestTests), and stay short enough for Kestrel's 8 KiB request line.
/// </summary>
internal sealed class FuzzCorpus(Random random, IReadOnlyList<string> verbs)
{
    private static readonly string[] Names = ["domain", "image", "volume", "size", "format", "allocation", "task", "base", "top", "collapse", "forward", "x", ""];
    private static readonly string[] Pieces = ["a", "Z", "0", ".", "-", "_", "/", "..", "%", "?", "#", " ", "\u0001", "\u007f", "é", "☃", "\U0001F600", "\u202e", "\\", "\"", "{", "'"];
    private static readonly string[] Methods = ["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
    private static readonly string[] ContentTypes = ["text/plain", "application/xml", "application/json; charset=utf-16", "image/png", "application/vnd.x+json", "*/*", "a/b/c", ";;"];

    public FuzzRequest Next()
    {
        string verb = Verb();
        bool post = random.NextDouble() < 0.8;
        string method = post ? "POST" : random.NextDouble() < 0.5 ? "GET" : Pick(Methods);
        string path = Path(verb, method == "GET");
        byte[]? body = method is "POST" or "PUT" or "PATCH" ? Body(verb) : null;
        string transport = random.NextDouble() < 0.7 ? FuzzRequest.Unix : FuzzRequest.Tcp;
        string? authorization = transport == FuzzRequest.Unix ? null : Authorization();
        return new FuzzRequest(transport, authorization, method, path, body, body is null ? null : ContentType());
    }

    private string Verb() => random.Next(20) switch
    {
        < 12 => Pick(verbs),
        < 16 => Mutate(Pick(verbs)),
        < 19 => Junk(random.Next(0, 40)),
        _ => Junk(random.Next(65, 600)),
    };

    private string Path(string verb, bool get)
    {
        string segment = Uri.EscapeDataString(verb);
        string query = get && random.NextDouble() < 0.6 ? "?" + Query() : "";
        return random.Next(20) switch
        {
            0 => "v1/" + segment + "/" + Uri.EscapeDataString(Junk(3)),
            1 => "v2/" + segment,
            2 => segment,
            _ => "v1/" + segment + query,
        };
    }

    private string Query() => string.Join("&", Enumerable.Range(0, random.Next(0, 4)).Select(_ =>
        Uri.EscapeDataString(random.NextDouble() < 0.8 ? Pick(Names) : Junk(5)) + "=" + Uri.EscapeDataString(Value())));

    private byte[] Body(string verb)
    {
        byte[] valid = ValidBody(random.Next(0, 6));
        return random.Next(24) switch
        {
            < 8 => valid,
            8 => [],
            9 => Encoding.UTF8.GetBytes(" \r\n\t "),
            10 => Flip(valid),
            11 => valid[..random.Next(0, valid.Length + 1)],
            12 => Insert(valid, RandomBytes(random.Next(1, 8))),
            13 => RandomBytes(random.Next(1, 300)),
            14 => Encoding.UTF8.GetBytes("{\"task\":\"a\",\"task\":\"b\"}"),
            15 => Encoding.UTF8.GetBytes($"{{\"{Pick(Names)}\":{Pick(["{}", "[]", "null", "[1,2]", "{\"a\":{\"b\":1}}"])}}}"),
            16 => Encoding.UTF8.GetBytes($"{{\"size\":{Pick(["1e999999", "-1e999999", "123456789012345678901234567890123", "1.5e-400", "0.000000000000000000000000000000001", "-0", "1E2"])}}}"),
            17 => Encoding.UTF8.GetBytes(new string('[', random.Next(1, 5000)) + new string(']', random.Next(0, 5000))),
            18 => Encoding.UTF8.GetBytes(new string('{', random.Next(1, 3000))),
            19 => Encoding.UTF8.GetBytes("[" + Encoding.UTF8.GetString(valid) + "]"),
            20 => [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, (byte)random.Next(0x80, 0x100), 0x22, 0x7D],
            21 => random.NextDouble() < 0.3 ? Oversized() : valid,
            22 => Encoding.UTF8.GetBytes($"{{\"{Pick(Names)}\":\"{Escape()}\"}}"),
            _ => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(valid).Replace(":", random.NextDouble() < 0.5 ? "" : "::", StringComparison.Ordinal)),
        };
    }

    private byte[] ValidBody(int count)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (string name in Enumerable.Range(0, count).Select(_ => Pick(Names)).Distinct())
            {
                switch (random.Next(4))
                {
                    case 0: writer.WriteNumber(name, random.NextInt64(-10, long.MaxValue)); break;
                    case 1: writer.WriteBoolean(name, random.NextDouble() < 0.5); break;
                    default: writer.WriteString(name, Value()); break;
                }
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private string Value() => random.Next(6) switch
    {
        0 => FakeAgentVerbs.Domain.ToString(),
        1 => Guid.NewGuid().ToString(),
        2 => Guid.NewGuid().ToString()[..random.Next(0, 36)],
        3 => random.Next(0, int.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture),
        4 => Junk(random.Next(0, 80)),
        _ => random.NextDouble() < 0.5 ? "true" : "cow",
    };

    private string? Authorization() => random.Next(6) switch
    {
        0 => null,
        1 => "Bearer " + ApiHarness.Token[..^1] + "x",
        2 => "Bearer " + Junk(random.Next(0, 50)).Where(c => c is >= '!' and <= '~').Aggregate("", (s, c) => s + c),
        _ => "Bearer " + ApiHarness.Token,
    };

    private string? ContentType() => random.Next(20) switch
    {
        0 => null,
        1 => Pick(ContentTypes),
        _ => "application/json",
    };

    private string Mutate(string verb)
    {
        var text = new StringBuilder(verb);
        int at = random.Next(0, text.Length + 1);
        switch (random.Next(4))
        {
            case 0: text.Insert(at, Pick(Pieces)); break;
            case 1: if (at < text.Length) { text.Remove(at, 1); } break;
            case 2: text.Append(text); break;
            default: return verb.ToUpperInvariant();
        }

        return text.ToString();
    }

    private string Junk(int length)
    {
        var text = new StringBuilder();
        while (text.Length < length)
        {
            text.Append(Pick(Pieces));
        }

        return text.ToString();
    }

    private string Escape() => Pick(["\\u0000", "\\ud800", "\\udfff\\ud800", "\\x41", "\\", "\\uZZZZ", "\\n\\t\\\"", "\\/"]);

    private byte[] Flip(byte[] body)
    {
        var copy = (byte[])body.Clone();
        for (int i = random.Next(1, 4); i > 0 && copy.Length > 0; i--)
        {
            copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        }

        return copy;
    }

    private byte[] Insert(byte[] body, byte[] extra)
    {
        int at = random.Next(0, body.Length + 1);
        return [.. body[..at], .. extra, .. body[at..]];
    }

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private byte[] Oversized() => Encoding.UTF8.GetBytes("{\"description\":\"" + new string('d', 64 * 1024 + random.Next(1, 4096)) + "\"}");

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
