using System.Text.Json;
using Sanpool.BlockIO;
using Sanpool.TestSupport;
using static Sanpool.Storage.Tests.Qemu.QemuTestTools;

namespace Sanpool.DataPath.Tests;

/// <summary>
/// The real qemu-img and qemu-io on volumes served through FUSE (needs root). Each volume is a
/// direct-I/O file standing in for an LV: fixed size, never truncated, contents left over from
/// earlier use — as an LV is.
/// </summary>
public sealed class VolumeFileSystemQemuTests : IDisposable
{
    private const long VolumeSize = 64 << 20;
    private const string Base = ParentA;
    private const string Middle = ParentB;
    private const string Top = ParentC;

    private readonly TempDir _lvs = new("fuse-lvs");
    private readonly List<IBlockDevice> _devices = [];

    [Fact]
    public async Task Qemu_img_creates_qcow2_over_a_volume_and_resolves_a_bare_backing_name_in_the_mount()
    {
        await using var mount = await MountedVolumes.MountAsync();
        mount.FileSystem.Add("vol", NewVolume("vol"));
        mount.FileSystem.Add(Base, NewVolume(Base));
        string vol = mount.PathOf("vol");

        await QemuImgAsync("create", "-q", "-f", "qcow2", vol, "1G");
        var info = await InfoAsync(vol);
        Assert.Equal("qcow2", info.GetProperty("format").GetString());
        Assert.Equal(1L << 30, info.GetProperty("virtual-size").GetInt64());
        Assert.Equal(VolumeSize, new FileInfo(vol).Length);
        await QemuIoAsync("qcow2", vol, "write -P 5 0 1M", "read -P 5 0 1M");
        await QemuImgAsync("check", "-q", "-f", "qcow2", vol);

        // Again over the old qcow2, now as a snapshot of a parent named by bare UUID.
        await QemuImgAsync("create", "-q", "-f", "qcow2", "-u", "-b", Base, "-F", "raw", vol, "1G");
        await QemuIoAsync("raw", mount.PathOf(Base), "write -P 9 4M 1M");
        info = await InfoAsync(vol);
        Assert.Equal(Base, info.GetProperty("backing-filename").GetString());
        Assert.Equal(mount.PathOf(Base), info.GetProperty("full-backing-filename").GetString());
        await QemuIoAsync("qcow2", vol, "write -P 5 0 1M", "read -P 5 0 1M", "read -P 9 4M 1M", "read -P 0 1M 1M");
        await QemuImgAsync("check", "-q", "-f", "qcow2", vol);
    }

    [Fact]
    public async Task A_three_volume_chain_reads_commits_converts_and_compares_through_the_mount()
    {
        await using var mount = await MountedVolumes.MountAsync();
        foreach (string name in new[] { Base, Middle, Top, "target" })
        {
            mount.FileSystem.Add(name, NewVolume(name));
        }

        string flat = _lvs.File("flat.raw");
        string size = (VolumeSize >> 20) + "M";
        await QemuIoAsync("raw", mount.PathOf(Base), "write -P 1 0 1M", "write -P 10 8M 1M");
        await QemuImgAsync("create", "-q", "-f", "qcow2", "-b", Base, "-F", "raw", mount.PathOf(Middle), size);
        await QemuIoAsync("qcow2", mount.PathOf(Middle), "write -P 2 1M 1M", "write -P 11 8M 512k");
        await QemuImgAsync("create", "-q", "-f", "qcow2", "-b", Middle, "-F", "qcow2", mount.PathOf(Top), size);
        await QemuIoAsync("qcow2", mount.PathOf(Top), "write -P 3 2M 1M", "write -P 4 5000001 12345");

        await QemuIoAsync("qcow2", mount.PathOf(Top),
            "read -P 1 0 1M", "read -P 2 1M 1M", "read -P 3 2M 1M", "read -P 4 5000001 12345",
            "read -P 11 8M 512k", "read -P 10 8704k 512k", "read -P 0 16M 1M");

        // A flat copy outside the mount, and one into a volume full of old data (-n: qemu must not assume zeros).
        await QemuImgAsync("convert", "-f", "qcow2", "-O", "raw", mount.PathOf(Top), flat);
        await QemuIoAsync("raw", mount.PathOf("target"), "write -P 238 0 64M");
        await QemuImgAsync("convert", "-n", "-t", "none", "-T", "none", "-f", "qcow2", "-O", "raw", mount.PathOf(Top), mount.PathOf("target"));
        await QemuImgAsync("compare", "-q", "-f", "qcow2", "-F", "raw", mount.PathOf(Top), flat);
        await QemuImgAsync("compare", "-q", "-f", "raw", "-F", "raw", mount.PathOf("target"), flat);

        await QemuImgAsync("commit", "-q", "-d", "-f", "qcow2", mount.PathOf(Top));
        await QemuIoAsync("qcow2", mount.PathOf(Middle), "read -P 3 2M 1M", "read -P 4 5000001 12345", "read -P 1 0 1M");
        await QemuImgAsync("compare", "-q", "-f", "qcow2", "-F", "raw", mount.PathOf(Middle), flat);
        await QemuImgAsync("check", "-q", "-f", "qcow2", mount.PathOf(Middle));
        await QemuImgAsync("check", "-q", "-f", "qcow2", mount.PathOf(Top));
    }

    public void Dispose()
    {
        foreach (var device in _devices)
        {
            device.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        _lvs.Dispose();
    }

    private DirectBlockDevice NewVolume(string name)
    {
        var device = DirectBlockDevice.Open(_lvs.CreateSparseFile(name, VolumeSize));
        _devices.Add(device);
        return device;
    }

    private static async Task<JsonElement> InfoAsync(string path)
    {
        string json = await QemuImgAsync("info", "--output=json", "-U", path);
        return JsonDocument.Parse(json).RootElement.Clone();
    }
}
