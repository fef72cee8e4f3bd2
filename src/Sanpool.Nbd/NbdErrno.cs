namespace Sanpool.Nbd;

/// <summary>The error values of NBD simple and structured replies (the NBD protocol, "Error values"), as on the wire.</summary>
public enum NbdErrno : uint
{
    None = 0,
    EPERM = 1,
    EIO = 5,
    ENOMEM = 12,
    EINVAL = 22,
    ENOSPC = 28,
    EOVERFLOW = 75,
    ENOTSUP = 95,
    ESHUTDOWN = 108,
}
