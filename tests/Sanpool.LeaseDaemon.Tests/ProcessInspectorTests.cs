using Sanpool.LeaseDaemon.Native;
using Sanpool.LeaseDaemon.Protocol;
using Sanpool.Leases;

namespace Sanpool.LeaseDaemon.Tests;

public sealed class ProcessInspectorTests
{
    private const string Tail = " 1 1 1 0 -1 4194304 128 0 0 0 0 0 0 0 20 0 1 0 50781 3133440 379";

    [Theory]
    [InlineData("S", ProcessState.Running)]
    [InlineData("R", ProcessState.Running)]
    [InlineData("D", ProcessState.Running)]
    [InlineData("T", ProcessState.Stopped)]
    [InlineData("t", ProcessState.Stopped)]
    [InlineData("Z", ProcessState.Zombie)]
    [InlineData("X", ProcessState.Zombie)]
    public void The_state_is_read_after_the_last_parenthesis_of_the_command_name(string state, ProcessState expected)
    {
        var p = ProcessInspector.Parse($"4242 (evil) T (name) {state}{Tail}");

        Assert.Equal(expected, p.State);
        Assert.Equal(50781UL, p.StartTime);
    }

    [Fact]
    public async Task This_process_is_running_and_a_pid_of_another_start_time_counts_as_gone()
    {
        var me = await ProcessInspector.ReadAsync(Environment.ProcessId, CancellationToken.None);

        Assert.Equal(ProcessState.Running, me.State);
        Assert.Equal(me, me.For(me.StartTime));
        Assert.True(me.For(me.StartTime + 1).IsDead);
        Assert.True((await ProcessInspector.ReadAsync(int.MaxValue, CancellationToken.None)).IsDead);
    }

    [Fact]
    public void A_resource_is_shown_as_sanlock_shows_it_with_lver_and_escaped_colons()
    {
        var spec = LeaseSpec.ParseResource(@"LS:vm1:/dev/disk/by-path/pci\:0:1048576");

        Assert.Equal(@"LS:vm1:/dev/disk/by-path/pci\:0:1048576:7", ResourceText.Format(spec, 7, false));
        Assert.Equal(@"LS:vm1:/dev/disk/by-path/pci\:0:1048576:7:SH", ResourceText.Format(spec, 7, true));
    }
}
