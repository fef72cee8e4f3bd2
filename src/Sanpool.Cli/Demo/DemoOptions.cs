namespace Sanpool.Cli.Demo;

internal sealed record DemoOptions(int Hosts, int IoTimeout, int Rounds, bool Crash, string WorkDir);
