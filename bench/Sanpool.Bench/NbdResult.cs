namespace Sanpool.Bench;

/// <summary>The median throughput of one workload on one backing, Sanpool's server against qemu-nbd.</summary>
internal sealed record NbdResult(NbdBacking Backing, NbdWorkload Workload, int Rounds, double SanpoolMiBps, double QemuNbdMiBps)
{
    public double Ratio => SanpoolMiBps / QemuNbdMiBps;

    public double SanpoolIops => SanpoolMiBps * (1 << 20) / Workload.RequestBytes;

    public double QemuNbdIops => QemuNbdMiBps * (1 << 20) / Workload.RequestBytes;
}
