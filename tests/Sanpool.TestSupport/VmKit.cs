namespace Sanpool.TestSupport;

/// <summary>
/// The kernel and initramfs scripts/vm-kit.sh caches in .cache/vm (or $SANPOOL_VM_KIT, as the
/// script reads it). ./test.sh builds it in prepare; a test run on its own builds it here, once
/// per test process (the first time downloads ~71 MB, later runs only repack the initrd when
/// the guest program changed, which takes a second).
/// </summary>
public sealed record VmKit(string Kernel, string Initrd)
{
    private static readonly Lazy<Task<VmKit>> Built = new(BuildAsync);

    public static Task<VmKit> EnsureAsync() => Built.Value;

    private static async Task<VmKit> BuildAsync()
    {
        string root = SanpoolCli.RepositoryRoot;
        string dir = Environment.GetEnvironmentVariable("SANPOOL_VM_KIT") is { Length: > 0 } kit ? kit : Path.Combine(root, ".cache", "vm");
        var result = await ToolRunner.RunAsync("bash", [Path.Combine(root, "scripts", "vm-kit.sh")], timeout: TimeSpan.FromMinutes(10));
        if (!result.Succeeded)
        {
            throw new PrerequisiteMissingException($"the VM kit could not be built: {result.StandardError.Trim()}");
        }

        return new VmKit(Path.Combine(dir, "vmlinuz"), Path.Combine(dir, "initrd.gz"));
    }
}
