using Sanpool.Core;

namespace Sanpool.Storage.Qemu;

/// <summary>
/// <c>qemu-img compare</c>: exit 0 the guest-visible contents are the same, exit 1 they differ
/// (stdout says where: "Content mismatch at offset N!"). Any other exit is an error and never
/// becomes a result.
/// </summary>
public sealed record QemuCompareResult(bool Identical, long? MismatchOffset, string Detail)
{
    /// <summary>Throws IMAGES_DIFFER with qemu's words if the images differ.</summary>
    public void EnsureIdentical(string what)
    {
        if (!Identical)
        {
            throw new SanpoolException(QemuErrors.ImagesDiffer, $"{what}: {Detail}");
        }
    }
}
