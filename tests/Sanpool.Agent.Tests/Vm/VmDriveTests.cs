using System.Text.Json;
using Sanpool.Agent.Vm;
using Sanpool.Core;

namespace Sanpool.Agent.Tests.Vm;

/// <summary>The qemu arguments a drive turns into, and the names its events are matched by.</summary>
public sealed class VmDriveTests
{
    private const string NbdTree =
        """{"driver": "qcow2", "node-name": "img-fmt", "file": {"driver": "nbd", "node-name": "img-proto", "server": {"type": "unix", "path": "/run/sanpool/nbd/a,b.sock"}, "export": "vol"}}""";

    [Fact]
    public void A_plain_thin_file_gets_named_nodes_and_stops_on_enospc_only()
    {
        var drive = VmDrive.FromFile("thin", "/dev/loop7", "qcow2", thin: true);

        Assert.Equal(
            ["-drive", "file=/dev/loop7,format=qcow2,node-name=thin-fmt,file.node-name=thin-proto,if=none,id=thin,cache=none",
             "-device", "virtio-blk-pci,drive=thin,id=thin,werror=enospc,rerror=report"],
            drive.Arguments);
        Assert.Equal("thin-fmt", drive.NodeName);
        Assert.Equal("thin-proto", drive.ThresholdNode);
        Assert.True(drive.Thin);
    }

    [Fact]
    public void A_source_drive_reports_every_error_to_the_guest_and_is_read_only()
    {
        var drive = VmDrive.FromFile("src", "/tmp/x/src.raw", "raw", thin: false, readOnly: true, extraOptions: null);

        Assert.Equal(
            ["-drive", "file=/tmp/x/src.raw,format=raw,node-name=src-fmt,file.node-name=src-proto,if=none,id=src,readonly=on",
             "-device", "virtio-blk-pci,drive=src,id=src,werror=report,rerror=report"],
            drive.Arguments);
        Assert.True(drive.ReadOnly);
    }

    [Fact]
    public void A_json_filename_has_every_comma_doubled_and_keeps_its_own_node_names()
    {
        var drive = VmDrive.FromFile("vda", "json:" + NbdTree, format: null, thin: true);

        string option = drive.Arguments[1];
        Assert.StartsWith("file=json:{", option, StringComparison.Ordinal);
        // Undoing qemu's escaping gives back the exact tree: nothing was cut at a comma.
        string file = option["file=".Length..option.IndexOf("}},if=none", StringComparison.Ordinal)] + "}}";
        Assert.Equal("json:" + NbdTree, file.Replace(",,", ",", StringComparison.Ordinal));
        Assert.DoesNotContain("node-name=vda", option, StringComparison.Ordinal);
        Assert.EndsWith(",if=none,id=vda,cache=none", option, StringComparison.Ordinal);
        Assert.Equal(["-device", "virtio-blk-pci,drive=vda,id=vda,werror=enospc,rerror=report"], drive.Arguments.Skip(2));
        Assert.Equal("img-fmt", drive.NodeName);
        Assert.Equal("img-proto", drive.ThresholdNode);
    }

    [Fact]
    public void A_blockdev_tree_becomes_one_json_argument_and_a_virtio_device_on_its_top_node()
    {
        var drive = VmDrive.FromBlockdev("vdb", NbdTree, thin: true);

        Assert.Equal("-blockdev", drive.Arguments[0]);
        using var tree = JsonDocument.Parse(drive.Arguments[1]);
        Assert.Equal("/run/sanpool/nbd/a,b.sock", tree.RootElement.GetProperty("file").GetProperty("server").GetProperty("path").GetString());
        Assert.Equal(["-device", "virtio-blk-pci,drive=img-fmt,id=vdb,werror=enospc,rerror=report"], drive.Arguments.Skip(2));
        Assert.Equal("img-fmt", drive.NodeName);
        Assert.Equal("img-proto", drive.ThresholdNode);
        Assert.False(drive.ReadOnly);
    }

    [Fact]
    public void A_read_only_blockdev_is_read_only()
    {
        var drive = VmDrive.FromBlockdev("src", """{"driver": "raw", "node-name": "src", "read-only": true, "file": {"driver": "file", "filename": "/x"}}""", thin: false);

        Assert.True(drive.ReadOnly);
        Assert.Equal("src", drive.ThresholdNode); // no node-name on its file child: the top node is the one to watch
        Assert.EndsWith("werror=report,rerror=report", drive.Arguments[3], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"driver": "qcow2", "file": {"driver": "file", "filename": "/x"}}""")]
    [InlineData("""[1]""")]
    [InlineData("""{"driver": "qcow2", """)]
    public void A_tree_without_a_top_node_name_or_not_an_object_is_VM_BAD_DRIVE(string json)
    {
        Assert.Equal(VmErrors.VmBadDrive, Assert.Throws<SanpoolException>(() => VmDrive.FromBlockdev("vda", json, thin: true)).Code);
        Assert.Equal(VmErrors.VmBadDrive, Assert.Throws<SanpoolException>(() => VmDrive.FromFile("vda", "json:" + json, null, thin: true)).Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1abc")]
    [InlineData("has space")]
    [InlineData("comma,id")]
    [InlineData("a-very-long-drive-id-that-qemu")]
    public void An_id_qemu_would_refuse_is_VM_BAD_DRIVE(string id) =>
        Assert.Equal(VmErrors.VmBadDrive, Assert.Throws<SanpoolException>(() => VmDrive.FromFile(id, "/x", "raw", thin: false)).Code);

    [Fact]
    public void A_plain_file_without_a_format_is_refused_rather_than_probed() =>
        Assert.Equal(VmErrors.VmBadDrive, Assert.Throws<SanpoolException>(() => VmDrive.FromFile("vda", "/x", null, thin: true)).Code);

    [Theory]
    [InlineData(true, true, "tcg")]
    [InlineData(true, false, "tcg")]
    [InlineData(false, true, "kvm")]
    [InlineData(false, false, "tcg")]
    public void The_accelerator_is_tcg_under_a_nested_pvm_kvm_or_without_kvm(bool pvm, bool kvm, string expected) =>
        Assert.Equal(expected, VmAccelerator.Choose(pvm, kvm));

    [Fact]
    public void The_command_line_holds_the_guest_until_cont_and_keeps_qemu_after_poweroff()
    {
        var options = new VmOptions
        {
            Name = "vm1",
            Kernel = "/k/vmlinuz",
            Initrd = "/k/initrd.gz",
            Append = "console=ttyS0 no_timer_check sanpool.mode=copy",
            Drives = [VmDrive.FromFile("thin", "/dev/loop7", "qcow2", thin: true)],
            RunDirectory = "/run/vms",
            Accelerator = "tcg",
        };
        var vm = VmProcess.Create(options);

        var argv = vm.CommandLine();

        Assert.Equal("qemu-system-x86_64", argv[0]);
        Assert.Contains("-S", argv);
        Assert.Contains("-no-shutdown", argv);
        Assert.Contains("-no-reboot", argv);
        Assert.Equal("tcg", argv[argv.ToList().IndexOf("-accel") + 1]);
        Assert.Equal("console=ttyS0 no_timer_check sanpool.mode=copy", argv[argv.ToList().IndexOf("-append") + 1]);
        Assert.Contains("socket,id=qmp0,path=/run/vms/vm1.qmp,server=on,wait=off", argv);
        Assert.Contains("file,id=serial0,path=/run/vms/vm1.serial", argv);
        Assert.Equal(options.Drives[0].Arguments, argv.Skip(argv.Count - 4));
    }
}
