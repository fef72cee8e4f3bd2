using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Storage.Lvm;
using Sanpool.TestSupport;

namespace Sanpool.Storage.Tests.Lvm;

/// <summary>
/// A real VG on a real loop device for one test (needs root and lvm2). Everything it makes is
/// undone on dispose even when the test failed: the VGs (vgremove -f), then the loop devices
/// (each detaches exactly its own device), then the sparse backing files.
/// </summary>
internal sealed class LvmTestVg : IAsyncDisposable
{
    public const long MiB = 1024 * 1024;
    public const long GiB = 1024 * MiB;

    private readonly TempDir _dir;
    private readonly List<LoopDevice> _devices = [];
    private readonly string _lvmPath;

    private LvmTestVg(TempDir dir, string lvmPath, string vg)
    {
        _dir = dir;
        _lvmPath = lvmPath;
        Vg = vg;
    }

    /// <summary>The VG's name: a fresh UUID, as a domain's VG is named.</summary>
    public string Vg { get; }

    /// <summary>The first device, the VG's first PV.</summary>
    public LoopDevice Device => _devices[0];

    /// <summary>A command whose filter accepts this fixture's devices (all of them, as of the call).</summary>
    public LvmCommand Lvm => For([.. _devices]);

    public long ExtentSize { get; private set; }

    /// <summary>
    /// A loop device of <paramref name="deviceSize"/> (sparse) holding one PV and the VG.
    /// </summary>
    public static async Task<LvmTestVg> CreateAsync(long extentSize = 4 * MiB, long deviceSize = 4 * GiB, int sectorSize = 512, IReadOnlyCollection<string>? tags = null)
    {
        Requires.LoopDevices();
        string lvmPath = Requires.Tool("lvm", "lvm2");
        var fixture = new LvmTestVg(new TempDir("lvm"), lvmPath, Guid.NewGuid().ToString());
        try
        {
            var device = await fixture.AddDeviceAsync(deviceSize, sectorSize);
            await fixture.Lvm.PvCreateAsync([device.Path]);
            await fixture.Lvm.VgCreateAsync(fixture.Vg, [device.Path], extentSize, tags ?? []);
            fixture.ExtentSize = extentSize;
            return fixture;
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }
    }

    /// <summary>Another loop device owned (and disposed) by this fixture; not a PV yet.</summary>
    public async Task<LoopDevice> AddDeviceAsync(long size = 4 * GiB, int sectorSize = 512)
    {
        var device = await LoopDevice.CreateAsync(_dir.Path, size, sectorSize);
        _devices.Add(device);
        return device;
    }

    /// <summary>A command that sees exactly <paramref name="devices"/>.</summary>
    public LvmCommand For(params LoopDevice[] devices) =>
        new(new LvmOptions([.. devices.Select(d => d.Path)]) { LvmPath = _lvmPath, Timeout = TimeSpan.FromSeconds(30) });

    public async ValueTask DisposeAsync()
    {
        if (_devices.Count > 0)
        {
            try
            {
                await Lvm.VgRemoveAsync(Vg);
            }
            catch (SanpoolException)
            {
                // No VG yet (creation failed) or already removed: the devices go away next anyway.
            }
        }

        foreach (var device in _devices)
        {
            await device.DisposeAsync();
        }

        _dir.Dispose();
    }
}
