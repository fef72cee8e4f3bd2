using System.Text.RegularExpressions;
using Sanpool.Agent.Vm;
using Sanpool.Core;
using Sanpool.TestSupport;

namespace Sanpool.Agent.Tests.Vm;

/// <summary>
/// A real qemu-system-x86_64 held at -S (the guest never runs, so each test takes well under a
/// second): start failures, the monitor's queries, the serial wait's two ways to fail.
/// </summary>
[Collection(OneGuestAtATime.Name)]
public sealed class VmProcessTests : IDisposable
{
    private readonly TempDir _dir = new("vmp");

    [Fact]
    public async Task A_held_vm_answers_status_block_stats_and_thresholds_on_its_nodes()
    {
        string disk = _dir.CreateSparseFile("disk.raw", 64 * ThinGuest.MiB);
        await using var vm = VmProcess.Create(await OptionsAsync(VmDrive.FromFile("thin", disk, "raw", thin: true)));

        await vm.LaunchAsync(CancellationToken.None);
        var status = await vm.QueryStatusAsync(CancellationToken.None);
        long highest = await vm.QueryHighestWriteAsync("thin-proto", CancellationToken.None);
        await vm.SetWriteThresholdAsync("thin-proto", 32 * ThinGuest.MiB, CancellationToken.None);
        var missing = await Assert.ThrowsAsync<SanpoolException>(() => vm.QueryHighestWriteAsync("nope", CancellationToken.None));
        var refused = await Assert.ThrowsAsync<SanpoolException>(() => vm.SetWriteThresholdAsync("nope", 1, CancellationToken.None));

        Assert.Equal(("prelaunch", false), (status.Status, status.Running));
        Assert.Equal(0, highest);
        Assert.Equal(VmErrors.VmNodeNotFound, missing.Code);
        Assert.Equal(VmErrors.QmpCommandFailed, refused.Code);
        Assert.Contains("block-set-write-threshold", refused.Message, StringComparison.Ordinal);
        Assert.NotNull(vm.ProcessId);
    }

    [Fact]
    public async Task Qemu_refusing_its_command_line_is_VM_START_FAILED_with_what_qemu_said()
    {
        await using var vm = VmProcess.Create(await OptionsAsync(VmDrive.FromFile("thin", _dir.File("missing.qcow2"), "qcow2", thin: true)));

        var e = await Assert.ThrowsAsync<SanpoolException>(() => vm.LaunchAsync(CancellationToken.None));

        Assert.Equal(VmErrors.VmStartFailed, e.Code);
        Assert.Contains("missing.qcow2", e.Message, StringComparison.Ordinal);
        Assert.Contains("No such file", e.Message, StringComparison.Ordinal);
        Assert.True(vm.HasExited);
    }

    [Fact]
    public async Task A_missing_qemu_is_VM_START_FAILED()
    {
        var options = await OptionsAsync() with { QemuBinary = "/nonexistent/qemu-system-x86_64" };
        await using var vm = VmProcess.Create(options);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => vm.LaunchAsync(CancellationToken.None));

        Assert.Equal(VmErrors.VmStartFailed, e.Code);
        Assert.Contains("/nonexistent/qemu-system-x86_64", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Waiting_for_the_console_times_out_with_VM_SERIAL_TIMEOUT_and_ends_with_VM_EXITED_once_qemu_is_gone()
    {
        await using var vm = VmProcess.Create(await OptionsAsync());
        await vm.LaunchAsync(CancellationToken.None);
        var pattern = new Regex("^RESULT", RegexOptions.Multiline);

        var timeout = await Assert.ThrowsAsync<SanpoolException>(() => vm.WaitForSerialAsync(pattern, TimeSpan.FromMilliseconds(300), CancellationToken.None));
        await vm.KillAsync();
        var exited = await Assert.ThrowsAsync<SanpoolException>(() => vm.WaitForSerialAsync(pattern, TimeSpan.FromSeconds(10), CancellationToken.None));
        var gone = await Assert.ThrowsAsync<SanpoolException>(() => vm.QueryStatusAsync(CancellationToken.None));

        Assert.Equal(VmErrors.VmSerialTimeout, timeout.Code);
        Assert.Contains("the console is empty", timeout.Message, StringComparison.Ordinal);
        Assert.Equal(VmErrors.VmExited, exited.Code);
        Assert.Equal(VmErrors.QmpDisconnected, gone.Code);
        Assert.True(vm.HasExited);
    }

    private async Task<VmOptions> OptionsAsync(params VmDrive[] drives)
    {
        Requires.Tool("qemu-system-x86_64", "qemu-system-x86");
        var kit = await VmKit.EnsureAsync();
        return new VmOptions
        {
            Name = "held",
            Kernel = kit.Kernel,
            Initrd = kit.Initrd,
            Drives = drives,
            RunDirectory = _dir.Path,
        };
    }

    public void Dispose() => _dir.Dispose();
}
