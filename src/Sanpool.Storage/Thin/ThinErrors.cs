using Sanpool.Core;

namespace Sanpool.Storage.Thin;

/// <summary>
/// Thin provisioning and extension errors: the -840 .. -859 band (issue 5). -840 .. -843 are
/// taken here; the rest of the band is free for the extension flow over the mailbox.
/// </summary>
public static class ThinErrors
{
    /// <summary>An extension policy or monitor setting makes no sense (a negative chunk, 100 % utilization, ...).</summary>
    public static readonly ErrorCode PolicyInvalid = new(-840, "THIN_POLICY_INVALID");

    /// <summary>The volume is not watched by this host's thin volume monitor.</summary>
    public static readonly ErrorCode VolumeNotMonitored = new(-841, "THIN_VOLUME_NOT_MONITORED");

    /// <summary>Room was asked for past the volume's maximum size: no extension can ever give it.</summary>
    public static readonly ErrorCode BeyondMaximum = new(-842, "THIN_BEYOND_MAXIMUM");

    /// <summary>The volume stopped being monitored (teardown) while someone waited for room in it.</summary>
    public static readonly ErrorCode VolumeRemoved = new(-843, "THIN_VOLUME_REMOVED");
}
