using System.Globalization;
using System.Text.Json.Nodes;
using Sanpool.Engine.Model;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Cli.Commands;

/// <summary>
/// The engine's resources as text for people: one table per collection (<see cref="TextTable"/>),
/// and any one resource as "key: value" lines straight from its JSON, so a resource the CLI has
/// no table for yet still shows (the names are the JSON's, as --json prints them).
/// </summary>
internal static class EngineText
{
    private static readonly HashSet<string> Hidden = ["href", "links", "actions"];

    public static string Hosts(IReadOnlyList<HostDto> hosts) => Table(
        ["NAME", "STATUS", "SPM", "PRIORITY", "HOST ID", "ADDRESS", "ID"],
        hosts.Select(h => new[]
        {
            h.Name, h.Status.ToString(), h.Spm.Status == SpmStatus.None ? "-" : h.Spm.Status.ToString(), Number(h.Spm.Priority),
            h.HostId is { } id ? Number(id) : "-", h.Address, h.Id.ToString(),
        }));

    public static string DataCenters(IReadOnlyList<DataCenterDto> pools) => Table(
        ["NAME", "STATUS", "SPM HOST", "MASTER VERSION", "ID"],
        pools.Select(p => new[] { p.Name, p.Status, p.Spm?.Id.ToString() ?? "-", Number(p.MasterDomainVersion), p.Id.ToString() }));

    public static string StorageDomains(IReadOnlyList<StorageDomainDto> domains) => Table(
        ["NAME", "STORAGE", "ROLE", "STATUS", "AVAILABLE", "USED", "ID"],
        domains.Select(d => new[]
        {
            d.Name, d.StorageType.ToString(), d.Master ? "master" : "data", d.Status?.ToString() ?? "unattached", Bytes(d.Available), Bytes(d.Used), d.Id.ToString(),
        }));

    public static string Disks(IReadOnlyList<DiskDto> disks) => Table(
        ["ALIAS", "STATUS", "FORMAT", "ALLOCATION", "SIZE", "ACTUAL", "VOLUMES", "DOMAIN", "ID"],
        disks.Select(d => new[]
        {
            d.Alias, d.Status.ToString(), d.Format.ToString(), d.Sparse ? "sparse" : "preallocated", Bytes(d.ProvisionedSize), Bytes(d.TotalSize),
            Number(d.Volumes), string.Join(',', d.StorageDomains.Select(s => s.Id)), d.Id.ToString(),
        }));

    public static string Vms(IReadOnlyList<VmDto> vms) => Table(
        ["NAME", "STATUS", "HOST", "MEMORY", "DISKS", "ID"],
        vms.Select(v => new[]
        {
            v.Name, v.Status + (v.PauseReason is { } pause ? $" ({pause})" : ""), v.Host?.Id.ToString() ?? "-", Number(v.MemoryMb) + " MiB", string.Join(',', v.Disks.Select(d => d.Id)), v.Id.ToString(),
        }));

    /// <summary>Templates: each disk is one volume the VMs made from it build on.</summary>
    public static string Templates(IReadOnlyList<TemplateDto> templates) => Table(
        ["NAME", "STATUS", "MEMORY", "CREATED", "DISKS", "ID"],
        templates.Select(t => new[]
        {
            t.Name, t.Status.ToString(), Number(t.MemoryMb) + " MiB", Time(t.CreationDate), string.Join(',', t.Disks.Select(d => d.Id)), t.Id.ToString(),
        }));

    /// <summary>A VM's snapshots as the engine lists them (oldest first, the Active VM last), each with its volume per disk.</summary>
    public static string Snapshots(IReadOnlyList<SnapshotDto> snapshots) => Table(
        ["DESCRIPTION", "TYPE", "STATUS", "DATE", "VOLUMES", "ID"],
        snapshots.Select(s => new[]
        {
            s.Description, s.Type.ToString(), s.Status.ToString(), Time(s.Date), string.Join(',', s.Volumes.Select(v => v.Volume)), s.Id.ToString(),
        }));

    public static string Jobs(IReadOnlyList<JobDto> jobs) => Table(
        ["ACTION", "STATUS", "STARTED", "ENDED", "DESCRIPTION", "ID"],
        jobs.Select(j => new[] { j.ActionType, j.Status.ToString(), Time(j.StartTime), j.EndTime is { } end ? Time(end) : "-", j.Description, j.Id.ToString() }));

    /// <summary>A job's steps: number, status, progress, description, and the SPM task each waits for.</summary>
    public static string Steps(IReadOnlyList<StepDto> steps) => Table(
        ["STEP", "STATUS", "PROGRESS", "DESCRIPTION", "SPM TASK"],
        steps.OrderBy(s => s.Number).Select(s => new[]
        {
            Number(s.Number), s.Status.ToString(), s.Progress is { } p ? Number(p) + "%" : "-", s.Description, s.ExternalId?.ToString() ?? "-",
        }));

    /// <summary>"2026-12-06 02:30:01  WARNING  17  HOST_NON_RESPONSIVE  the message": one event, one line (local time).</summary>
    public static string Event(EventDto e) =>
        string.Create(CultureInfo.InvariantCulture, $"{Time(e.Time)}  {e.Severity,-7}  {e.Id}  {e.CodeName}  {e.Description}");

    /// <summary>The differences of a disk's chain, each with its fix and whether it is applied by itself (safe).</summary>
    public static string Differences(IReadOnlyList<Sanpool.Engine.Reconciliation.ChainDifference> differences) => Table(
        ["DIFFERENCE", "VOLUME", "SAFE", "DETAIL", "FIX"],
        differences.Select(d => new[] { d.Kind.ToString(), d.Volume?.ToString() ?? "(disk)", d.Safe ? "yes" : "no", d.Detail, d.Fix }));

    /// <summary>A disk's chain four ways: each volume's parent as the database, the metadata, the LV tags and the qcow2 header say it.</summary>
    public static string Chain(Sanpool.Engine.Reconciliation.DiskChainReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        string volumes = Table(
            ["VOLUME", "DATABASE PARENT", "METADATA PARENT", "LV TAG PARENT", "QCOW2 BACKING", "AGREE"],
            report.Volumes.Select(v => new[]
            {
                v.Id.ToString(),
                v.Database is { } db ? $"{db.Parent} ({db.Status.ToString().ToLowerInvariant()}{(db.Active ? ", active" : "")})" : "(no row)",
                v.Metadata is { } md ? $"{md.Parent} ({md.Voltype}, {md.Legality})" : "(none)",
                v.LvTags is { } lv ? lv.Parent?.ToString() ?? "-" : "(none)",
                v.Qcow2 is { } q ? q.BackingFile ?? "-" : "(none)",
                v.ParentAgrees ? "yes" : "NO",
            }));
        string head = $"disk {report.Disk}, storage read from domain {report.ReadFrom}: " +
                      (report.Agrees ? "every view agrees" : $"{report.Differences.Count} difference(s)");
        return report.Differences.Count == 0 ? $"{head}\n{volumes}" : $"{head}\n{volumes}\n\n{Differences(report.Differences)}";
    }

    /// <summary>Any resource as "key: value" lines, in the JSON's order: references by id, nested values as k=v, lists by their ids or count.</summary>
    public static string Details(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node is not JsonObject o)
        {
            return node.ToJsonString();
        }

        var rows = new List<string[]>();
        foreach (var (key, value) in o)
        {
            if (!Hidden.Contains(key) && Value(value) is { } text)
            {
                rows.Add([key + ":", text]);
            }
        }

        return TextTable.Format(rows);
    }

    private static string? Value(JsonNode? value) => value switch
    {
        null => null,
        JsonValue v => v.TryGetValue(out string? s) ? s : v.ToJsonString(),
        JsonObject reference when reference["id"] is JsonValue id => id.ToString(),
        JsonObject nested => string.Join(", ", nested.Where(p => !Hidden.Contains(p.Key) && p.Value is JsonValue).Select(p => $"{p.Key}={Value(p.Value)}")),
        JsonArray list when list.All(i => i is JsonObject r && r["id"] is not null && r.Count <= 3) => string.Join(", ", list.Select(i => i!["id"]!.ToString())),
        JsonArray list => list.Count == 0 ? "" : $"({list.Count})",
        _ => value.ToJsonString(),
    };

    private static string Table(string[] header, IEnumerable<string[]> rows) => TextTable.Format([header, .. rows]);

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>Local time to the second: "2026-12-06 02:30:01".</summary>
    public static string Time(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Bytes in GiB or MiB with one decimal; "-" if not known.</summary>
    public static string Bytes(long? bytes) =>
        bytes is not { } b ? "-"
        : b >= 1L << 30 ? string.Create(CultureInfo.InvariantCulture, $"{b / (double)(1L << 30):0.0} GiB")
        : string.Create(CultureInfo.InvariantCulture, $"{b / (double)(1L << 20):0.0} MiB");
}
