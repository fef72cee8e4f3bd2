using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Reconciliation;

/// <summary>
/// Seed 003, automated: every <see cref="EngineConfig.ReconcileIntervalSeconds"/> each Active
/// domain is compared with the database from one read of its storage
/// (<see cref="DiskReconciler.ReconcileDomainAsync"/>). Fixes that cannot lose data are applied as
/// jobs with their events; what waits for an admin is reported as one DOMAIN_NEEDS_ADMIN event
/// per domain, again only when it changes (no event storm from a difference that stays).
/// <para>
/// Shared state: <see cref="_lastWaiting"/> (per domain, the last reported summary) is touched
/// only by this loop's one round at a time, and is a concurrent dictionary so that a test or a
/// request may read it.
/// </para>
/// </summary>
public sealed partial class ReconciliationLoop(EngineDatabase db, DiskReconciler reconciler, EngineConfig config, ILogger<ReconciliationLoop> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, string> _lastWaiting = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (config.ReconcileIntervalSeconds <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(config.ReconcileIntervalSeconds), db.Clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await RoundAsync(stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>One round over every Active domain; returns how many disks got fixes.</summary>
    public async Task<int> RoundAsync(CancellationToken cancellationToken)
    {
        int fixedDisks = 0;
        string correlationId = $"reconcile-{db.Clock.GetUtcNow():yyyyMMddTHHmmss}";
        foreach (var domain in await ActiveDomainsAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var result = await reconciler.ReconcileDomainAsync(domain.Id, correlationId, null, cancellationToken).ConfigureAwait(false);
                fixedDisks += result.Fixed.Count;
                await ReportWaitingAsync(domain, result, cancellationToken).ConfigureAwait(false);
                Rounded(logger, domain.Id, domain.StorageName, result.Before.Disks, result.Fixed.Count, result.Waiting.Count, result.Before.UnknownImages.Count);
            }
            catch (SanpoolException e) when (!cancellationToken.IsCancellationRequested)
            {
                // No host answers for it now, say: the next round tries again.
                Skipped(logger, domain.Id, domain.StorageName, e.OneLine);
            }
        }

        return fixedDisks;
    }

    private async Task ReportWaitingAsync(StorageDomainStatic domain, DomainReconcileResult result, CancellationToken cancellationToken)
    {
        string summary = string.Join(
            "; ",
            result.Waiting.Select(d => $"{d.Kind} {d.Volume}").Order(StringComparer.Ordinal)
                .Concat(result.Before.UnknownImages.Select(i => $"unknown image {i}")));
        string last = _lastWaiting.GetValueOrDefault(domain.Id, "");
        _lastWaiting[domain.Id] = summary;
        if (summary.Length == 0 || summary == last)
        {
            return;
        }

        var attachments = await db.Pools.ListAttachmentsAsync(domain.Id, cancellationToken).ConfigureAwait(false);
        var attachment = attachments.Count > 0 ? attachments[0] : null;
        await db.AuditLog.AppendAsync(
            new AuditLog(
                0, db.Clock.GetUtcNow(), (int)EngineEventType.DOMAIN_NEEDS_ADMIN, nameof(EngineEventType.DOMAIN_NEEDS_ADMIN), AuditLogSeverity.WARNING,
                $"Storage domain {domain.StorageName} differs from the database where only an admin can decide " +
                $"({result.Waiting.Count} difference(s), {result.Before.UnknownImages.Count} unknown image(s)): {LimitTo(summary, 1500)}",
                StorageDomainId: domain.Id, StorageDomainName: domain.StorageName, StoragePoolId: attachment?.StoragePoolId),
            CancellationToken.None).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<StorageDomainStatic>> ActiveDomainsAsync(CancellationToken cancellationToken)
    {
        var active = new List<StorageDomainStatic>();
        for (int page = 0; ; page++)
        {
            var domains = await db.Pools.ListDomainsAsync(new Page(100, page * 100), cancellationToken).ConfigureAwait(false);
            foreach (var domain in domains)
            {
                if ((await db.Pools.ListAttachmentsAsync(domain.Id, cancellationToken).ConfigureAwait(false)).Any(a => a.Status == StorageDomainStatus.Active))
                {
                    active.Add(domain);
                }
            }

            if (domains.Count < 100)
            {
                return active;
            }
        }
    }

    private static string LimitTo(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "...");

    [LoggerMessage(EventId = 10720, Level = LogLevel.Information, Message = "reconciled storage domain {Domain} ({Name}): {Disks} disk(s), {Fixed} fixed, {Waiting} difference(s) waiting for an admin, {Unknown} unknown image(s)")]
    private static partial void Rounded(ILogger logger, Guid domain, string name, int disks, int @fixed, int waiting, int unknown);

    [LoggerMessage(EventId = 10721, Level = LogLevel.Warning, Message = "reconciliation of storage domain {Domain} ({Name}) skipped this round: {Error}")]
    private static partial void Skipped(ILogger logger, Guid domain, string name, string error);
}
