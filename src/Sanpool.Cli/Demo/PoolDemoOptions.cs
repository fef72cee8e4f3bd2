namespace Sanpool.Cli.Demo;

/// <summary>What <c>sanpool demo</c> (the pool demo) runs.</summary>
/// <param name="Wait">Wait for Ctrl-C after printing (false: exit at once, as the test runs it).</param>
/// <param name="Crash">After the chains, kill -9 the SPM and show another host take over.</param>
internal sealed record PoolDemoOptions(int Hosts, int Domains, int IoTimeout, int Snapshots, string WorkDir, bool Wait, bool Crash);
