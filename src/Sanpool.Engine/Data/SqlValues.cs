using System.Globalization;

namespace Sanpool.Engine.Data;

/// <summary>
/// How a Guid, a time and a bool look in each database, in one place. PostgreSQL has the types
/// (uuid, timestamptz, boolean); SQLite gets lowercase canonical text for a Guid, UTC ISO 8601
/// text with exactly six decimals for a time (fixed width, so text order is time order), and
/// 0/1 for a bool. Times are cut to whole microseconds on both, PostgreSQL's precision, so a
/// value reads back equal from either database.
/// </summary>
public static class SqlValues
{
    /// <summary>The text form of a time in SQLite.</summary>
    public const string SqliteTimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>The value a time reads back as: UTC, whole microseconds.</summary>
    public static DateTimeOffset Normalize(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
    }

    public static string SqliteGuid(Guid value) => value.ToString("D", CultureInfo.InvariantCulture);

    public static string SqliteTime(DateTimeOffset value) => Normalize(value).ToString(SqliteTimeFormat, CultureInfo.InvariantCulture);

    /// <summary>A Guid as either database returns it (uuid, or text in SQLite).</summary>
    public static Guid ToGuid(object value) => value switch
    {
        Guid g => g,
        string s => Guid.ParseExact(s, "D"),
        byte[] b when b.Length == 16 => new Guid(b),
        _ => throw new InvalidCastException($"a {value.GetType().Name} is not a stored Guid"),
    };

    /// <summary>A time as either database returns it (timestamptz as a UTC DateTime, or text in SQLite).</summary>
    public static DateTimeOffset ToTime(object value) => value switch
    {
        DateTimeOffset t => Normalize(t),
        DateTime { Kind: DateTimeKind.Utc } t => Normalize(new DateTimeOffset(t)),
        DateTime t => Normalize(new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc))),
        string s => DateTimeOffset.ParseExact(s, SqliteTimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
        _ => throw new InvalidCastException($"a {value.GetType().Name} is not a stored time"),
    };

    /// <summary>A bool as either database returns it (boolean, or an integer 0/1 in SQLite).</summary>
    public static bool ToBool(object value) => value switch
    {
        bool b => b,
        long l => l != 0,
        int i => i != 0,
        _ => throw new InvalidCastException($"a {value.GetType().Name} is not a stored bool"),
    };
}
