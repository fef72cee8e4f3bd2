using Sanpool.Storage.Check;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Operations;
using Sanpool.TestSupport;
using static Sanpool.Storage.Tests.Qemu.QemuTestTools;

namespace Sanpool.Storage.Tests.Volumes;

/// <summary>
/// kill -9 at every step of create, snapshot, delete, merge and copy: the real sanpool process
/// is told to SIGKILL itself at a crash point (SANPOOL_CRASH_AT), then `domain recover` rolls
/// the operation back or forward, and `domain check` finds nothing wrong; the image reads as
/// before (or as after, for operations that went forward), the operation can be run again,
/// and no volume leaked.
/// <para>
/// Each operation's crash points are one test class per kind of domain
/// (<see cref="FileDomainCrashRecoveryTests"/>, <see cref="BlockDomainCrashRecoveryTests"/>), so
/// that xunit runs the operations side by side: every case waits on host-id acquisitions and
/// child processes far more than it computes.
/// </para>
/// </summary>
public abstract class CrashRecoveryTests
{
    private const long MiB = 1024 * 1024;
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract string Kind { get; }

    /// <summary>Deletes run with --wipe (block domains: the wipe's crash points are passed too).</summary>
    protected virtual bool Wipe => false;

    public static TheoryData<string> CreatePoints => [.. CreateImage.CrashPoints];

    public static TheoryData<string> SnapshotPoints => [.. CreateSnapshot.CrashPoints];

    public static TheoryData<string> DeletePoints => [.. DeleteVolume.CrashPoints];

    /// <summary>A delete with --wipe passes every point of a delete and the wipe's own (block domains).</summary>
    public static TheoryData<string> WipingDeletePoints => [.. DeleteVolume.WipeCrashPoints, .. DeleteVolume.CrashPoints];

    public static TheoryData<string> MergePoints => [.. MergeVolumes.CrashPoints];

    public static TheoryData<string> CopyPoints => [.. CopyImage.CrashPoints];

    /// <summary>Runs the operation of <paramref name="point"/> in a child told to die there, then recovers and checks the domain.</summary>
    protected async Task CrashAndRecoverAsync(string point)
    {
        await using var d = await TestDomain.CreateAsync(Kind, 512, "crash");
        var target = await d.AddDomainAsync(512);
        var image = Guid.NewGuid();
        string reference = d.Scratch("reference.raw");
        await QemuImgAsync("create", "-f", "raw", reference, (64 * MiB).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Guid top;
        await using (var store = await d.OpenAsync())
        await using (var writer = await d.WriterAsync(store))
        {
            await CreateImage.RunAsync(writer, new ImageSpec(image, Guid.NewGuid(), 64 * MiB, VolumeFormat.COW, AllocationType.SPARSE), None);
            await CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), None);
            top = await CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), None);
        }

        var before = await VolumesAsync(d, d.Uuid);
        string[] command = Command(point, d, target, image, top, before, Wipe);
        var crashed = await CliAsync(d, command, point);
        Assert.True(crashed.ExitCode == 137, $"expected death by SIGKILL at {point}: exit {crashed.ExitCode}\n{crashed.StandardError}");
        Assert.Contains($"crash point {point}", crashed.StandardError, StringComparison.Ordinal);

        var recovered = await CliAsync(d, ["domain", "recover", (point.StartsWith("copy", StringComparison.Ordinal) ? target : d.Uuid).ToString()]);
        Assert.True(recovered.Succeeded, recovered.StandardError);
        foreach (var sd in new[] { d.Uuid, target })
        {
            var check = await CliAsync(d, ["domain", "check", sd.ToString()]);
            Assert.True(check.Succeeded, $"after {point}, domain check of {sd}:\n{check.StandardOutput}{check.StandardError}");
        }

        var after = await VolumesAsync(d, d.Uuid);
        bool forward = point.StartsWith("delete", StringComparison.Ordinal) || point is "merge.committed" or "merge.rebased" or "merge.top-removed";
        Assert.Equal(forward ? before.Count - 1 : before.Count, after.Count);
        Assert.Empty(await VolumesAsync(d, target));

        // A rolled-back operation runs to completion afterwards.
        if (!forward)
        {
            var again = await CliAsync(d, Command(point, d, target, image, top, after, Wipe));
            Assert.True(again.Succeeded, $"{string.Join(' ', command)} after recovery: {again.StandardError}");
        }
    }

    private static string[] Command(string point, TestDomain d, Guid target, Guid image, Guid top, IReadOnlyList<Guid> volumes, bool wipe)
    {
        string sd = d.Uuid.ToString();
        return point.Split('.')[0] switch
        {
            "create" => ["image", "create", sd, "--size", "64M"],
            "snapshot" => ["snapshot", "create", sd, image.ToString()],
            "delete" when wipe => ["volume", "delete", sd, image.ToString(), top.ToString(), "--wipe"],
            "delete" => ["volume", "delete", sd, image.ToString(), top.ToString()],
            "merge" => ["image", "merge", sd, image.ToString(), "--base", volumes[1].ToString(), "--top", volumes[2].ToString()],
            _ => ["image", "copy", sd, image.ToString(), "--to", target.ToString()],
        };
    }

    /// <summary>The volumes of the domain in chain order of its one image (plus any others).</summary>
    private static async Task<IReadOnlyList<Guid>> VolumesAsync(TestDomain d, Guid domain)
    {
        await using var store = await d.OpenAsync(domain);
        var inventory = await Sanpool.Storage.Volumes.DomainInventory.LoadAsync(store, None);
        return [.. inventory.Chains.SelectMany(c => c.Chain).Concat(inventory.Volumes.Select(v => v.Id)).Distinct()];
    }

    /// <summary>Runs the sanpool CLI on the test's domain as host 1, told to die at <paramref name="crashAt"/> if given.</summary>
    internal static Task<ToolResult> CliAsync(TestDomain d, string[] args, string? crashAt = null)
    {
        var env = new Dictionary<string, string>
        {
            ["SANPOOL_RUN_DIR"] = d.RunDirectory,
            ["SANPOOL_HOST_ID"] = "1",
            [d.Kind == "file" ? "SANPOOL_PATH" : "SANPOOL_DEVICES"] = d.Kind == "file" ? d.Mount : string.Join(',', d.Devices),
        };
        if (crashAt is not null)
        {
            env[Sanpool.Storage.Volumes.CrashPoint.Variable] = crashAt;
        }

        return SanpoolCli.RunAsync(args, env, TimeSpan.FromMinutes(3));
    }
}
