using Sanpool.Engine.Model;

namespace Sanpool.Engine.Data;

/// <summary>
/// Seed 003's query: the troubleshooting guide's join of a VM's snapshots with their volumes,
/// the table an admin compares with <c>lvs -o +tags</c>, the volume metadata and the qcow2
/// headers. It is kept here verbatim, run unchanged on both databases, so reconciliation and
/// the tests read the database exactly as the guide does (engine.md section 1).
/// </summary>
public static class Seed003
{
    /// <summary>The query, verbatim from the seed: do not edit it.</summary>
    public const string Query = """
        SELECT v.vm_name, s.description, s.status, i.image_guid, i.image_group_id, i.parentid, i.imagestatus
        FROM images i JOIN snapshots s ON s.snapshot_id = i.vm_snapshot_id JOIN vm_static v ON v.vm_guid = s.vm_id
        """;

    /// <summary>Runs <see cref="Query"/>. The query has no ORDER BY; the rows come in whatever order the database gives.</summary>
    public static async Task<IReadOnlyList<Seed003Row>> RunAsync(EngineDatabase database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        return await database.ReadAsync(
            s => s.QueryAsync(
                Query,
                null,
                r => new Seed003Row(
                    r.Text("vm_name"),
                    r.Text("description"),
                    r.Named<SnapshotStatus>("status"),
                    r.Uuid("image_guid"),
                    r.Uuid("image_group_id"),
                    r.Uuid("parentid"),
                    r.Coded<ImageStatus>("imagestatus")),
                cancellationToken),
            cancellationToken).ConfigureAwait(false);
    }
}
