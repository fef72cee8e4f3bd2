namespace Sanpool.Storage.Thin;

/// <summary>What <see cref="ExtensionPolicy.Decide"/> tells the volume's host to do now.</summary>
public enum ExtensionAction
{
    /// <summary>Enough room: arm the write threshold at <see cref="ExtensionDecision.Threshold"/> and wait.</summary>
    Arm,

    /// <summary>Ask the SPM to extend the volume to <see cref="ExtensionDecision.NewSize"/>.</summary>
    Extend,

    /// <summary>The volume is at its maximum: stop asking (VDSM disables monitoring of the drive).</summary>
    AtMaximum,
}
