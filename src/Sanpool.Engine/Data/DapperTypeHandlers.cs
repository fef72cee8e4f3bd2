using Dapper;

namespace Sanpool.Engine.Data;

/// <summary>
/// Registers, once per process, the Dapper type handlers that make a Guid and a time bind the
/// same way on both databases (<see cref="GuidTypeHandler"/>, <see cref="TimeTypeHandler"/>).
/// Dapper's built-in map for Guid and DateTimeOffset comes before handlers for parameters, so
/// it is removed first. Bools need no handler: both providers bind them natively (SQLite as
/// 0/1), and rows are read through <see cref="Row"/>, which converts explicitly.
/// Dapper's settings are process-wide; the engine is the only Dapper user in the process.
/// </summary>
internal static class DapperTypeHandlers
{
    private static readonly Lock Gate = new();
    private static bool _registered;

    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered)
            {
                return;
            }

            SqlMapper.RemoveTypeMap(typeof(Guid));
            SqlMapper.RemoveTypeMap(typeof(Guid?));
            SqlMapper.RemoveTypeMap(typeof(DateTimeOffset));
            SqlMapper.RemoveTypeMap(typeof(DateTimeOffset?));
            SqlMapper.AddTypeHandler(new GuidTypeHandler());
            SqlMapper.AddTypeHandler(new TimeTypeHandler());
            _registered = true;
        }
    }
}
