using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Storage.Lvm;
using Sanpool.TestSupport;

namespace Sanpool.Storage.Tests.Domains;

/// <summary>
/// Sparse loop devices standing in for a domain's LUNs (needs root and lvm2). On dispose,
/// even after a failed test, every VG found on them is removed (LVM is shown only these
/// devices), then each device is detached (only if it is still ours) and its file deleted.
/// </summary>
internal sealed class BlockDomainTestDevices : IAsyncDisposable
{
    public const long MiB = 1024 * 1024;
    public const long GiB = 1024 * MiB;

    private readonly TempDir _dir = new("blocksd");
    private readonly List<LoopDevice> _devices = [];

    public IReadOnlyList<LoopDevice> Devices => _devices;

    public string this[int index] => _devices[index].Path;

    public static async Task<BlockDomainTestDevices> CreateAsync(int count, int sectorSize = 512, long size = 8 * GiB)
    {
        Requires.LoopDevices();
        Requires.Tool("lvm", "lvm2");
        var fixture = new BlockDomainTestDevices();
        try
        {
            for (int i = 0; i < count; i++)
            {
                await fixture.AddAsync(size, sectorSize);
            }

            return fixture;
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }
    }

    public async Task<string> AddAsync(long size, int sectorSize = 512)
    {
        var device = await LoopDevice.CreateAsync(_dir.Path, size, sectorSize);
        _devices.Add(device);
        return device.Path;
    }

    /// <summary>A command that sees exactly <paramref name="paths"/> (all of this fixture's devices when none given).</summary>
    public LvmCommand Lvm(params string[] paths) =>
        new(new LvmOptions([.. paths.Length == 0 ? _devices.Select(d => d.Path) : paths]));

    public async ValueTask DisposeAsync()
    {
        if (_devices.Count > 0)
        {
            try
            {
                var lvm = Lvm();
                foreach (var vg in (await lvm.PvsAsync()).Select(p => p.VgName).OfType<string>().Where(v => v != "[unknown]").Distinct())
                {
                    await lvm.VgRemoveAsync(vg);
                }
            }
            catch (SanpoolException e)
            {
                await Console.Error.WriteLineAsync($"warning: cleaning the test VGs failed: {e.Message}");
            }
        }

        foreach (var device in _devices)
        {
            await device.DisposeAsync();
        }

        _dir.Dispose();
    }
}
