namespace Sanpool.Pool.Thin;

/// <summary>Why an extension did not happen (yet).</summary>
public enum ExtendFailureKind
{
    /// <summary>The SPM answered that the VG has no free extents: the volume waits for a new LUN.</summary>
    NoSpace,

    /// <summary>No SPM answered (none elected, or it failed over); the request stays pending.</summary>
    SpmUnavailable,

    /// <summary>The SPM refused or failed the request for another reason.</summary>
    Rejected,

    /// <summary>The request could not be sent at all (the requester threw).</summary>
    RequestError,

    /// <summary>The LV was extended but this host could not re-read its size and mapping.</summary>
    RefreshFailed,
}
