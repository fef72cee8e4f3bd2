namespace Sanpool.Bench;

/// <summary>
/// One SPM failover: which host was killed and which took over, and when each step was first
/// seen, in seconds from the killed host's last renewal of its host id in the master lockspace.
/// </summary>
/// <param name="RenewalBeforeKill">How long before the kill its last renewal was.</param>
/// <param name="Contend">When a survivor first said Contend (null if never seen between polls).</param>
/// <param name="Spm">When a survivor first said SPM.</param>
/// <param name="Served">When the new SPM's image.create task was seen finished (submitted as soon as it said SPM).</param>
/// <param name="Refusals">The new SPM's refusals of that image.create before it took it ("-" for none).</param>
internal sealed record FailoverResult(int Io, int Run, int Victim, int Winner, double RenewalBeforeKill, double? Contend, double Spm, double Served, string Refusals)
{
    /// <summary>From the new SPM's log: its writer of the master domain open (the master's SDM lease taken, journal read).</summary>
    public double? MasterWriter { get; init; }

    /// <summary>From the new SPM's log: its writer of the data domain open (that domain's host id and SDM lease taken).</summary>
    public double? DataWriter { get; init; }

    /// <summary>host_dead of the killed host: 8 io + 60.</summary>
    public int HostDead => (8 * Io) + 60;

    public double FromKill => Served - RenewalBeforeKill;

    public double Ratio => Served / HostDead;

    public double Excess => Served - HostDead;

    /// <summary>From the new SPM's first SPM answer to its first structural verb finished.</summary>
    public double Verb => Served - Spm;
}
