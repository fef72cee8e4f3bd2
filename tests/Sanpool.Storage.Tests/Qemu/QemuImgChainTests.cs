using Sanpool.Storage.Qemu;
using Sanpool.TestSupport;
using static Sanpool.Storage.Tests.Qemu.QemuTestTools;

namespace Sanpool.Storage.Tests.Qemu;

/// <summary>
/// A VDSM-style chain in one image directory: base A (raw) &lt;- B (qcow2) &lt;- C (qcow2, the
/// leaf), each naming its parent by bare UUID. Guest data is written with qemu-io and checked
/// through the chain after the merges VDSM does with qemu-img.
/// </summary>
public sealed class QemuImgChainTests : IDisposable
{
    private const long Size = 16 << 20;
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly TempDir _dir = new("qemu-chain");
    private readonly QemuImg _qemuImg = new();

    /// <summary>What a guest of C reads: 0-1M A, 1M-1.5M B, 1.5M-2.5M C, 2.5M-4M A, then zeros.</summary>
    private static readonly string[] GuestView =
    [
        "read -P 0xaa 0 1M",
        "read -P 0xbb 1M 512k",
        "read -P 0xcc 1536k 1M",
        "read -P 0xaa 2560k 1536k",
        "read -P 0 4M 12M",
    ];

    public void Dispose() => _dir.Dispose();

    private QemuTarget Volume(string id) => QemuTarget.Path(_dir.File(id));

    private async Task BuildChainAsync()
    {
        await _qemuImg.CreateAsync(Volume(ParentA), QemuImageFormat.Raw, Size, cancellationToken: None);
        await QemuIoAsync("raw", _dir.File(ParentA), "write -P 0xaa 0 4M");
        await _qemuImg.CreateAsync(Volume(ParentB), QemuImageFormat.Qcow2, Size, new QemuBacking(ParentA, QemuImageFormat.Raw), cancellationToken: None);
        await QemuIoAsync("qcow2", _dir.File(ParentB), "write -P 0xbb 1M 1M");
        await _qemuImg.CreateAsync(Volume(ParentC), QemuImageFormat.Qcow2, Size, new QemuBacking(ParentB, QemuImageFormat.Qcow2), cancellationToken: None);
        await QemuIoAsync("qcow2", _dir.File(ParentC), "write -P 0xcc 1536k 1M");
        await QemuIoAsync("qcow2", _dir.File(ParentC), GuestView);
    }

    /// <summary>The chain collapsed by convert: what every later state must still read.</summary>
    private async Task<QemuTarget> ReferenceAsync()
    {
        var reference = QemuTarget.Path(_dir.File("reference.raw"));
        await _qemuImg.ConvertAsync(Volume(ParentC), QemuImageFormat.Qcow2, reference, QemuImageFormat.Raw, cancellationToken: None);
        return reference;
    }

    [Fact]
    public async Task Cold_merge_of_an_internal_volume_commit_rebase_u_keeps_what_the_guest_reads()
    {
        await BuildChainAsync();
        var reference = await ReferenceAsync();
        var progress = new List<double>();

        // VDSM's cold merge of B: commit B into A, point C at A with rebase -u, drop B.
        await _qemuImg.CommitAsync(Volume(ParentB), QemuImageFormat.Qcow2, progress: progress.Add, cancellationToken: None);
        await _qemuImg.RebaseUnsafeAsync(Volume(ParentC), new QemuBacking(ParentA, QemuImageFormat.Raw), None);
        File.Delete(_dir.File(ParentB));

        Assert.Equal(100.0, progress[^1]);
        var chain = await _qemuImg.InfoChainAsync(Volume(ParentC), QemuImageFormat.Qcow2, None);
        Assert.Equal([ParentC, ParentA], chain.Select(i => Path.GetFileName(i.Filename)));
        Assert.Equal("raw", chain[0].BackingFormat);
        await QemuIoAsync("qcow2", _dir.File(ParentC), GuestView);
        await QemuIoAsync("raw", _dir.File(ParentA), "read -P 0xaa 0 1M", "read -P 0xbb 1M 1M", "read -P 0xaa 2M 2M");
        (await _qemuImg.CompareAsync(Volume(ParentC), QemuImageFormat.Qcow2, reference, QemuImageFormat.Raw, cancellationToken: None))
            .EnsureIdentical("C after merging B");
        (await _qemuImg.CheckAsync(Volume(ParentC), QemuImageFormat.Qcow2, None)).EnsureConsistent(allowLeaks: false);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Committing_the_leaf_into_a_named_base_leaves_the_leaf_readable(bool baseByUuid)
    {
        await BuildChainAsync();
        var reference = await ReferenceAsync();

        // -b names the base as the chain's header does (a bare UUID) or by full path.
        await _qemuImg.CommitAsync(Volume(ParentC), QemuImageFormat.Qcow2, baseByUuid ? ParentB : _dir.File(ParentB), cancellationToken: None);

        (await _qemuImg.CompareAsync(Volume(ParentB), QemuImageFormat.Qcow2, reference, QemuImageFormat.Raw, cancellationToken: None))
            .EnsureIdentical("B after committing C");
        (await _qemuImg.CompareAsync(Volume(ParentC), QemuImageFormat.Qcow2, reference, QemuImageFormat.Raw, cancellationToken: None))
            .EnsureIdentical("C after committing into B");
        await QemuIoAsync("qcow2", _dir.File(ParentC), GuestView);
    }

    [Fact]
    public async Task A_copy_of_the_collapsed_chain_reads_the_same_and_a_later_write_is_found()
    {
        await BuildChainAsync();
        var copy = QemuTarget.Path(_dir.File("copy.qcow2"));
        var measured = await _qemuImg.MeasureAsync(Volume(ParentC), QemuImageFormat.Qcow2, QemuImageFormat.Qcow2, None);

        await _qemuImg.ConvertAsync(Volume(ParentC), QemuImageFormat.Qcow2, copy, QemuImageFormat.Qcow2, cancellationToken: None);
        var same = await _qemuImg.CompareAsync(Volume(ParentC), QemuImageFormat.Qcow2, copy, QemuImageFormat.Qcow2, cancellationToken: None);
        await QemuIoAsync("qcow2", _dir.File(ParentC), "write -P 0xdd 3M 4k");
        var after = await _qemuImg.CompareAsync(Volume(ParentC), QemuImageFormat.Qcow2, copy, QemuImageFormat.Qcow2, cancellationToken: None);

        Assert.True(same.Identical);
        Assert.Equal(3L << 20, after.MismatchOffset);
        Assert.Null((await _qemuImg.InfoAsync(copy, QemuImageFormat.Qcow2, None)).BackingFilename);
        Assert.Equal(4L << 20, measured.Required - (await _qemuImg.MeasureSizeAsync(Size, QemuImageFormat.Qcow2, None)).Required);
        Assert.True(new FileInfo(copy.Filename).Length <= measured.Required);
    }

    [Fact]
    public async Task Convert_can_copy_only_the_top_onto_a_named_backing_volume()
    {
        await BuildChainAsync();
        var top = QemuTarget.Path(_dir.File("44444444-5555-6666-7777-888888888888"));

        await _qemuImg.ConvertAsync(Volume(ParentC), QemuImageFormat.Qcow2, top, QemuImageFormat.Qcow2,
            new QemuConvertOptions { TargetBacking = new QemuBacking(ParentB, QemuImageFormat.Qcow2) }, cancellationToken: None);

        var info = await _qemuImg.InfoAsync(top, QemuImageFormat.Qcow2, None);
        Assert.Equal(ParentB, info.BackingFilename);
        await QemuIoAsync("qcow2", top.Filename, GuestView);
    }
}
