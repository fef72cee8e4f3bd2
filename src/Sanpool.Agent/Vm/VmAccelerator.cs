namespace Sanpool.Agent.Vm;

/// <summary>
/// Picks qemu's accelerator. A nested "PVM" KVM (<c>/sys/module/kvm_pvm</c>) cannot boot a stock
/// kernel: it hangs in decompression or dies with an emulation failure, and
/// <c>-accel kvm -accel tcg</c> does not fall back because it hangs rather than fails. So TCG
/// there; KVM where /dev/kvm is usable; TCG otherwise.
/// </summary>
public static class VmAccelerator
{
    public const string Tcg = "tcg";

    public const string Kvm = "kvm";

    public static string Choose() => Choose(Directory.Exists("/sys/module/kvm_pvm"), KvmUsable());

    internal static string Choose(bool pvmLoaded, bool kvmUsable) => pvmLoaded || !kvmUsable ? Tcg : Kvm;

    private static bool KvmUsable()
    {
        try
        {
            using var kvm = new FileStream("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
