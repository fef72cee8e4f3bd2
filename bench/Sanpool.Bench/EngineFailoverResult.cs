namespace Sanpool.Bench;

/// <summary>
/// One SPM failover as the engine's clients see it, in seconds from the killed host's last
/// renewal of its host id in the master lockspace (as <see cref="FailoverResult"/>).
/// </summary>
/// <param name="RenewalBeforeKill">How long before the kill that last renewal was.</param>
/// <param name="EngineSpm">When the engine's /api/hosts first showed another host Up and SPM.</param>
/// <param name="Served">When a disk created through the engine (POST /api/disks, an SPM-only task) was seen finished.</param>
/// <param name="Refusals">The engine's refusals of that POST before it took it ("-" for none).</param>
internal sealed record EngineFailoverResult(int Run, int Victim, int Winner, int HostDead, double RenewalBeforeKill, double EngineSpm, double Served, string Refusals)
{
    public double FromKill => Served - RenewalBeforeKill;

    public double Ratio => Served / HostDead;

    public double Excess => Served - HostDead;
}
