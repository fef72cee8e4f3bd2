using System.Data;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Sanpool.Engine.Data;

/// <summary>
/// Dapper's mapping of a Guid parameter: lowercase canonical text for SQLite (which would
/// otherwise bind a 16-byte blob), a uuid for PostgreSQL. See <see cref="SqlValues"/>.
/// </summary>
internal sealed class GuidTypeHandler : SqlMapper.TypeHandler<Guid>
{
    public override void SetValue(IDbDataParameter parameter, Guid value)
    {
        if (parameter is SqliteParameter sqlite)
        {
            sqlite.SqliteType = SqliteType.Text;
            sqlite.Value = SqlValues.SqliteGuid(value);
        }
        else
        {
            parameter.DbType = DbType.Guid;
            parameter.Value = value;
        }
    }

    public override Guid Parse(object value) => SqlValues.ToGuid(value);
}
