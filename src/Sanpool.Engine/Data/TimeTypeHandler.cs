using System.Data;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Sanpool.Engine.Data;

/// <summary>
/// Dapper's mapping of a DateTimeOffset parameter: fixed-width UTC text for SQLite, a UTC
/// timestamptz for PostgreSQL (Npgsql refuses other offsets), whole microseconds on both. See
/// <see cref="SqlValues"/>.
/// </summary>
internal sealed class TimeTypeHandler : SqlMapper.TypeHandler<DateTimeOffset>
{
    public override void SetValue(IDbDataParameter parameter, DateTimeOffset value)
    {
        if (parameter is SqliteParameter sqlite)
        {
            sqlite.SqliteType = SqliteType.Text;
            sqlite.Value = SqlValues.SqliteTime(value);
        }
        else
        {
            parameter.DbType = DbType.DateTimeOffset;
            parameter.Value = SqlValues.Normalize(value);
        }
    }

    public override DateTimeOffset Parse(object value) => SqlValues.ToTime(value);
}
