namespace Sanpool.Bench;

/// <summary>One takeover: seconds from the dead holder's last renewal (and from its kill) to the new owner's acquire.</summary>
internal sealed record TakeoverResult(string Holder, string Taker, double FromLastRenewal, double FromKill, int HostDead, int Attempts, string? Refusal, string Failures)
{
    public double Ratio => FromLastRenewal / HostDead;
}
