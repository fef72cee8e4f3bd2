using Sanpool.Core;

namespace Sanpool.Cli.Demo;

/// <summary>The pool demo's own codes, band -900 .. -909: what it checks along the way and found wrong.</summary>
internal static class DemoErrors
{
    /// <summary>No host became SPM within the time allowed (the agents' logs say why).</summary>
    public static readonly ErrorCode NoSpm = new(-900, "DEMO_NO_SPM");

    /// <summary>Something the demo shows did not happen as it must: a task failed, a chain is wrong, two hosts said SPM, a non-SPM host ran a structural verb.</summary>
    public static readonly ErrorCode CheckFailed = new(-901, "DEMO_CHECK_FAILED");
}
