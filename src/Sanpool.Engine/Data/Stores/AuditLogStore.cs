using Sanpool.Engine.Model;

namespace Sanpool.Engine.Data.Stores;

/// <summary>Events (<c>audit_log</c>): appended, never changed; read back by id, which only grows.</summary>
public sealed class AuditLogStore
{
    private const string InsertColumns =
        "log_time, log_type, log_type_name, severity, message, user_id, user_name, vds_id, vds_name, vm_id, vm_name, storage_domain_id, " +
        "storage_domain_name, storage_pool_id, storage_pool_name, correlation_id, job_id, origin";

    private const string Columns = "audit_log_id, " + InsertColumns;

    private readonly EngineDatabase _db;

    internal AuditLogStore(EngineDatabase db) => _db = db;

    /// <summary>Appends an event (its <see cref="AuditLog.AuditLogId"/> is ignored) and returns the id it got.</summary>
    public Task<long> AppendAsync(AuditLog entry, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => await s.ScalarAsync<long>(
                $"INSERT INTO audit_log ({InsertColumns}) VALUES (@LogTime, @LogType, @LogTypeName, @Severity, @Message, @UserId, @UserName, " +
                "@VdsId, @VdsName, @VmId, @VmName, @StorageDomainId, @StorageDomainName, @StoragePoolId, @StoragePoolName, @CorrelationId, " +
                "@JobId, @Origin) RETURNING audit_log_id",
                entry,
                cancellationToken).ConfigureAwait(false),
            cancellationToken);

    /// <summary>Up to <paramref name="limit"/> events with an id above <paramref name="afterId"/>, in id order: how a follower reads on.</summary>
    public async Task<IReadOnlyList<AuditLog>> ListSinceAsync(long afterId, int limit, CancellationToken cancellationToken)
    {
        var page = new Page(limit);
        return await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {Columns} FROM audit_log WHERE audit_log_id > @afterId ORDER BY audit_log_id LIMIT @Limit",
                new { afterId, page.Limit },
                Read,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Events, newest first.</summary>
    public async Task<IReadOnlyList<AuditLog>> ListAsync(Page page, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {Columns} FROM audit_log ORDER BY audit_log_id DESC LIMIT @Limit OFFSET @Offset",
                new { page.Limit, page.Offset },
                Read,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    /// <summary>One page of the events with an id above <paramref name="afterId"/>, in id order.</summary>
    public Task<IReadOnlyList<AuditLog>> ListSinceAsync(long afterId, Page page, CancellationToken cancellationToken) =>
        ListSinceAsync(afterId, null, page, cancellationToken);

    /// <summary>One page of the events with an id above <paramref name="afterId"/> and of job <paramref name="jobId"/> (any if null), in id order.</summary>
    public async Task<IReadOnlyList<AuditLog>> ListSinceAsync(long afterId, Guid? jobId, Page page, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {Columns} FROM audit_log WHERE {SinceFilter(jobId)} ORDER BY audit_log_id LIMIT @Limit OFFSET @Offset",
                new { afterId, jobId, page.Limit, page.Offset },
                Read,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    /// <summary>How many events have an id above <paramref name="afterId"/>.</summary>
    public Task<long> CountSinceAsync(long afterId, CancellationToken cancellationToken) => CountSinceAsync(afterId, null, cancellationToken);

    /// <summary>How many events have an id above <paramref name="afterId"/> and belong to job <paramref name="jobId"/> (any if null).</summary>
    public Task<long> CountSinceAsync(long afterId, Guid? jobId, CancellationToken cancellationToken) =>
        _db.ReadAsync(
            async s => await s.ScalarAsync<long>($"SELECT COUNT(*) FROM audit_log WHERE {SinceFilter(jobId)}", new { afterId, jobId }, cancellationToken).ConfigureAwait(false),
            cancellationToken);

    // Two fixed texts rather than "@jobId IS NULL OR ...": PostgreSQL cannot type a parameter that is only ever compared with NULL.
    private static string SinceFilter(Guid? jobId) => jobId is null ? "audit_log_id > @afterId" : "audit_log_id > @afterId AND job_id = @jobId";

    internal static AuditLog Read(Row r) => new(
        r.Int64Value("audit_log_id"),
        r.Time("log_time"),
        r.Int32Value("log_type"),
        r.Text("log_type_name"),
        r.Coded<AuditLogSeverity>("severity"),
        r.Text("message"),
        r.UuidOrNull("user_id"),
        r.TextOrNull("user_name"),
        r.UuidOrNull("vds_id"),
        r.TextOrNull("vds_name"),
        r.UuidOrNull("vm_id"),
        r.TextOrNull("vm_name"),
        r.UuidOrNull("storage_domain_id"),
        r.TextOrNull("storage_domain_name"),
        r.UuidOrNull("storage_pool_id"),
        r.TextOrNull("storage_pool_name"),
        r.TextOrNull("correlation_id"),
        r.UuidOrNull("job_id"),
        r.Text("origin"));
}
