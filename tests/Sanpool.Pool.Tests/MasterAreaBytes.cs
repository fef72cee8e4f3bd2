using Sanpool.Api.Tasks;
using System.Text;
using Sanpool.BlockIO;
using Sanpool.Pool.Tasks;
using Sanpool.Storage.Journal;
using Sanpool.Storage.Volumes;

namespace Sanpool.Pool.Tests;

/// <summary>What tests put into and read out of a domain's master area: tasks, a host report, raw bytes.</summary>
internal static class MasterAreaBytes
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>Saves <paramref name="count"/> tasks and a host report (slot 2) in the domain's master area.</summary>
    public static async Task<IReadOnlyList<TaskRecord>> SeedAsync(IDomainManifest store, int count = 3)
    {
        await using var device = await store.OpenMasterAreaAsync(None);
        var tasks = await TaskStore.LoadAsync(device, None);
        var saved = new List<TaskRecord>();
        for (int i = 0; i < count; i++)
        {
            var task = new TaskRecord
            {
                Id = Guid.NewGuid(), Verb = "image.create", State = TaskState.Finished, Result = $"result {i}", Host = 1, Lver = 7, Created = 1_700_000_000 + i,
            };
            await tasks.SaveAsync(task, None);
            saved.Add(task);
        }

        await new SlotArea(device, MasterArea.HostReports).WriteAsync(2, Encoding.UTF8.GetBytes("{\"host\":2,\"report\":\"seen\"}"), None);
        return saved;
    }

    /// <summary>Writes something recognisable into the domain's own journal area, the part a move must leave alone.</summary>
    public static async Task MarkJournalAsync(IDomainManifest store, byte mark)
    {
        await using var device = await store.OpenMasterAreaAsync(None);
        using var buffer = new AlignedBuffer(4096);
        buffer.GetSpan().Fill(mark);
        await device.WriteAsync(MasterArea.Journal.End - 4096, buffer.Memory, None);
    }

    public static async Task<IReadOnlyList<TaskRecord>> TasksAsync(IDomainManifest store)
    {
        await using var device = await store.OpenMasterAreaAsync(None);
        return (await TaskStore.LoadAsync(device, None)).All;
    }

    public static async Task<byte[]?> HostReportAsync(IDomainManifest store, int slot)
    {
        await using var device = await store.OpenMasterAreaAsync(None);
        return await new SlotArea(device, MasterArea.HostReports).ReadAsync(slot, None);
    }

    /// <summary>The raw bytes of [<paramref name="start"/>, <paramref name="end"/>) of the domain's master area.</summary>
    public static async Task<byte[]> ReadAsync(IDomainManifest store, long start, long end)
    {
        await using var device = await store.OpenMasterAreaAsync(None);
        using var buffer = new AlignedBuffer(checked((int)(end - start)));
        await device.ReadAsync(start, buffer.Memory, None);
        return buffer.GetSpan().ToArray();
    }

    /// <summary>The pool's part of the master area (tasks and host reports), which a move copies.</summary>
    public static Task<byte[]> PoolPartAsync(IDomainManifest store) => ReadAsync(store, MasterArea.Tasks.Start, MasterArea.HostReports.End);

    /// <summary>The domain's own journal area, which stays with the domain.</summary>
    public static Task<byte[]> JournalAsync(IDomainManifest store) => ReadAsync(store, MasterArea.Journal.Start, MasterArea.Journal.End);
}
