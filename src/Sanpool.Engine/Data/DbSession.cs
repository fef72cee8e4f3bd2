using System.Data.Common;
using Dapper;

namespace Sanpool.Engine.Data;

/// <summary>
/// One open connection, and the transaction on it if there is one: what a store's operation
/// runs its SQL through. Values always go in as Dapper parameters, never into the SQL text;
/// rows come out through a <see cref="Row"/> mapper. A broken constraint surfaces as the
/// engine's CONFLICT or DB_CONSTRAINT (<see cref="SqlDialect.Translate"/>).
/// </summary>
public sealed class DbSession
{
    internal DbSession(SqlDialect dialect, DbConnection connection, DbTransaction? transaction, TimeProvider clock)
    {
        Dialect = dialect;
        Connection = connection;
        Transaction = transaction;
        Clock = clock;
    }

    public SqlDialect Dialect { get; }

    public DbConnection Connection { get; }

    public DbTransaction? Transaction { get; }

    public TimeProvider Clock { get; }

    /// <summary>Now, as it will read back (<see cref="SqlValues.Normalize"/>).</summary>
    public DateTimeOffset Now => SqlValues.Normalize(Clock.GetUtcNow());

    public async Task<int> ExecuteAsync(string sql, object? parameters, CancellationToken cancellationToken)
    {
        try
        {
            return await Connection.ExecuteAsync(Command(sql, parameters, cancellationToken)).ConfigureAwait(false);
        }
        catch (DbException e) when (SqlDialect.Translate(e) is { } error)
        {
            throw error;
        }
    }

    /// <summary>The first column of the first row, or default when there is no row (or it is null).</summary>
    public async Task<T?> ScalarAsync<T>(string sql, object? parameters, CancellationToken cancellationToken)
    {
        try
        {
            return await Connection.ExecuteScalarAsync<T>(Command(sql, parameters, cancellationToken)).ConfigureAwait(false);
        }
        catch (DbException e) when (SqlDialect.Translate(e) is { } error)
        {
            throw error;
        }
    }

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters, Func<Row, T> map, CancellationToken cancellationToken)
    {
        var rows = new List<T>();
        try
        {
            var reader = await Connection.ExecuteReaderAsync(Command(sql, parameters, cancellationToken)).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var row = new Row(reader);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(map(row));
                }
            }
        }
        catch (DbException e) when (SqlDialect.Translate(e) is { } error)
        {
            throw error;
        }

        return rows;
    }

    /// <summary>The one row the query returns, or null; more than one is a bug in the query.</summary>
    public async Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? parameters, Func<Row, T> map, CancellationToken cancellationToken)
        where T : class
    {
        var rows = await QueryAsync(sql, parameters, map, cancellationToken).ConfigureAwait(false);
        return rows.Count switch
        {
            0 => null,
            1 => rows[0],
            _ => throw new InvalidOperationException($"expected at most one row, got {rows.Count}: {sql}"),
        };
    }

    private CommandDefinition Command(string sql, object? parameters, CancellationToken cancellationToken) =>
        new(sql, parameters, Transaction, cancellationToken: cancellationToken);
}
