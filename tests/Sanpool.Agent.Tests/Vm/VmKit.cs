using Sanpool.TestSupport;

namespace Sanpool.Agent.Tests.Vm;

/// <summary>
/// The kernel and initramfs scripts/vm-kit.sh caches in .cache/vm. ./test.sh builds it in
/// prepare; a test run on its own builds it here (the first time downloads ~71 MB, later runs
/// only repack the initrd when the guest program changed, which takes a second).
/// </summary>
internal sealed record VmKit(string Kernel, string Initrd)
{
    private static readonly SemaphoreSlim Once = new(1, 1);

    public static async Task<VmKit> EnsureAsync()
    {
        string root = SanpoolCli.RepositoryRoot;
        string dir = Path.Combine(root, ".cache", "vm");
        string script = Path.Combine(root, "scripts", "vm-kit.sh");
        await Once.WaitAsync();
        try
        {
            var result = await ToolRunner.RunAsync("bash", [script], timeout: TimeSpan.FromMinutes(10));
            if (!result.Succeeded)
            {
                throw new PrerequisiteMissingException($"the VM kit could not be built: {result.StandardError.Trim()}");
            }
        }
        finally
        {
            Once.Release();
        }

        return new VmKit(Path.Combine(dir, "vmlinuz"), Path.Combine(dir, "initrd.gz"));
    }
}
