namespace Sanpool.Agent.Vm;

/// <summary>What happened to a drive of a watched VM (see <see cref="VmWatcher"/>).</summary>
public enum VmDriveEventKind
{
    /// <summary>The VM stopped because a write to the drive hit ENOSPC; an extension was asked for.</summary>
    Paused,

    /// <summary>The extension gave the drive space.</summary>
    Extended,

    /// <summary>The extension gave no space (the VG is full, or it failed); the VM stays paused and it is asked again later.</summary>
    NoSpaceWaiting,

    /// <summary>The VM runs again after the drive's pause.</summary>
    Resumed,

    /// <summary>qemu's write threshold on the drive's threshold node was crossed (one-shot: re-arm it).</summary>
    ThresholdCrossed,

    /// <summary>An I/O error other than ENOSPC, reported to the guest (the VM did not stop).</summary>
    IoError,
}
