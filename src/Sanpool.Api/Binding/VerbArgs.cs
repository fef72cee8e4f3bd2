using System.Globalization;
using Sanpool.Core;

namespace Sanpool.Api.Binding;

/// <summary>
/// A verb's arguments as they arrive (JSON strings), read strictly: an unknown name, a value
/// that is not a UUID or a number, or a missing required one is INVALID_ARGUMENT naming it.
/// </summary>
public sealed class VerbArgs
{
    private readonly string _verb;
    private readonly IReadOnlyDictionary<string, string> _values;

    public VerbArgs(string verb, IReadOnlyDictionary<string, string> values, IReadOnlyCollection<string> allowed)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(allowed);
        _verb = verb;
        _values = values;
        if (values.Keys.FirstOrDefault(k => !allowed.Contains(k)) is { } unknown)
        {
            throw CommonErrors.Invalid($"{verb}: unknown argument '{Printable(unknown)}'; it takes {string.Join(", ", allowed)}");
        }
    }

    /// <summary>The verb these arguments are for (error messages start with it).</summary>
    public string Verb => _verb;

    public Guid Uuid(string name) => OptionalUuid(name) ?? throw CommonErrors.Invalid($"{_verb}: argument '{name}' (a UUID) is required");

    public Guid? OptionalUuid(string name) => _values.TryGetValue(name, out var text)
        ? Guid.TryParseExact(text, "D", out var id) ? id : throw CommonErrors.Invalid($"{_verb}: {name} '{Printable(text)}' is not a UUID")
        : null;

    public long Bytes(string name)
    {
        if (!_values.TryGetValue(name, out var text))
        {
            throw CommonErrors.Invalid($"{_verb}: argument '{name}' (bytes) is required");
        }

        // The CLI's own reading of sizes (SizeParser): bytes as the CLI sends them, or "10G" from any other client.
        try
        {
            return SizeParser.ParseCapacity(text);
        }
        catch (SanpoolException e) when (e.Code == CommonErrors.InvalidArgument)
        {
            // SizeParser's messages begin "size '<text>'"; the argument's own name goes there, and
            // a value that is not printable as it is (control characters, too long) is not quoted whole.
            string why = e.Message.StartsWith("size ", StringComparison.Ordinal) ? e.Message["size ".Length..] : e.Message;
            throw CommonErrors.Invalid(Printable(text) == text
                ? $"{_verb}: {name} {why}"
                : $"{_verb}: {name} '{Printable(text)}' is not a size; give bytes or a whole number with K, M, G or T (powers of 1024)");
        }
    }

    /// <summary>An optional whole number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public long LongNumber(string name, long min, long max, long fallback) => !_values.TryGetValue(name, out var text) ? fallback
        : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) && v >= min && v <= max ? v
        : throw CommonErrors.Invalid($"{_verb}: {name} '{Printable(text)}' is not a whole number {min}..{max}");

    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>A required, non-empty text argument.</summary>
    public string Required(string name) => _values.TryGetValue(name, out var text) && text.Length > 0
        ? text
        : throw CommonErrors.Invalid($"{_verb}: argument '{name}' is required");

    public string? Optional(string name) => _values.GetValueOrDefault(name);

    /// <summary>An optional whole number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int Number(string name, int min, int max, int fallback) => !_values.TryGetValue(name, out var text) ? fallback
        : int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) && v >= min && v <= max ? v
        : throw CommonErrors.Invalid($"{_verb}: {name} '{Printable(text)}' is not a whole number {min}..{max}");

    public bool Flag(string name) => FlagOr(name, false);

    /// <summary>An optional true/false argument, <paramref name="fallback"/> when left out.</summary>
    public bool FlagOr(string name, bool fallback) => _values.TryGetValue(name, out var text)
        ? bool.TryParse(text, out bool v) ? v : throw CommonErrors.Invalid($"{_verb}: {name} '{Printable(text)}' is not true or false")
        : fallback;

    /// <summary>An enum argument by one of its names, in any case; a number is refused.</summary>
    public object ParseEnum(Type type, string name)
    {
        ArgumentNullException.ThrowIfNull(type);
        string text = _values[name];
        return System.Enum.TryParse(type, text, ignoreCase: true, out var v) && System.Enum.IsDefined(type, v!) && !text.Any(char.IsDigit) ? v!
            : throw CommonErrors.Invalid($"{_verb}: {name} '{Printable(text)}' is not one of {string.Join(", ", System.Enum.GetNames(type))}");
    }

    /// <summary>At most 64 characters of untrusted text, control characters escaped, for messages.</summary>
    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var clipped = text.Length > 64 ? text[..64] + "..." : text;
        return string.Concat(clipped.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }
}
