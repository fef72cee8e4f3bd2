using System.Data.Common;
using System.Globalization;

namespace Sanpool.Engine.Data;

/// <summary>
/// The current row of a query, read by column name with the conversions of
/// <see cref="SqlValues"/>: the stores' row mappers read the same values from either database.
/// </summary>
public readonly struct Row
{
    private readonly DbDataReader _reader;

    internal Row(DbDataReader reader) => _reader = reader;

    public bool IsNull(string column) => _reader.IsDBNull(_reader.GetOrdinal(column));

    public Guid Uuid(string column) => SqlValues.ToGuid(Value(column));

    public Guid? UuidOrNull(string column) => IsNull(column) ? null : Uuid(column);

    public DateTimeOffset Time(string column) => SqlValues.ToTime(Value(column));

    public DateTimeOffset? TimeOrNull(string column) => IsNull(column) ? null : Time(column);

    public bool Flag(string column) => SqlValues.ToBool(Value(column));

    public int Int32Value(string column) => Convert.ToInt32(Value(column), CultureInfo.InvariantCulture);

    public int? Int32OrNull(string column) => IsNull(column) ? null : Int32Value(column);

    public long Int64Value(string column) => Convert.ToInt64(Value(column), CultureInfo.InvariantCulture);

    public long? Int64OrNull(string column) => IsNull(column) ? null : Int64Value(column);

    public double? DoubleOrNull(string column) => IsNull(column) ? null : Convert.ToDouble(Value(column), CultureInfo.InvariantCulture);

    public string Text(string column) => (string)Value(column);

    public string? TextOrNull(string column) => IsNull(column) ? null : Text(column);

    /// <summary>An enum stored as its number (the engine's int columns).</summary>
    public T Coded<T>(string column)
        where T : struct, Enum => (T)Enum.ToObject(typeof(T), Int32Value(column));

    /// <summary>An enum stored as its name (the engine's text columns: 'ACTIVE', 'LOCKED', ...).</summary>
    public T Named<T>(string column)
        where T : struct, Enum
    {
        // Exactly a member's name: Enum.Parse alone would also take "1", which is what a
        // number bound by mistake into a text column looks like in SQLite.
        string text = Text(column);
        return Enum.TryParse(text, ignoreCase: false, out T value) && value.ToString() == text
            ? value
            : throw new InvalidCastException($"column {column}: '{text}' is not a {typeof(T).Name}");
    }

    public T? NamedOrNull<T>(string column)
        where T : struct, Enum => IsNull(column) ? null : Named<T>(column);

    private object Value(string column)
    {
        object value = _reader.GetValue(_reader.GetOrdinal(column));
        return value is DBNull ? throw new InvalidCastException($"column {column} is null") : value;
    }
}
