using Sanpool.Core.Tools;

namespace Sanpool.TestSupport;

/// <summary>
/// Guards for tests that need root, loop devices or the real sanlock. They throw
/// <see cref="PrerequisiteMissingException"/> instead of skipping: xunit 2 has no runtime skip,
/// and a test that passes without running hides a broken machine.
/// </summary>
public static class Requires
{
    public static bool IsRoot => NativeMethods.GetEffectiveUserId() == 0;

    public static bool HasLosetup => ToolLocator.TryFind("losetup") is not null;

    public static bool HasSanlock => ToolLocator.TryFind("sanlock") is not null;

    public static void Root(string why = "it creates loop devices")
    {
        if (!IsRoot)
        {
            throw new PrerequisiteMissingException($"this test must run as root because {why}; run ./test.sh as root");
        }
    }

    /// <summary>Root, and losetup and blockdev installed.</summary>
    public static void LoopDevices()
    {
        Root();
        Tool("losetup", "util-linux");
        Tool("blockdev", "util-linux");
    }

    /// <summary>The real sanlock binary is installed; returns its path.</summary>
    public static string Sanlock() => Tool("sanlock", "sanlock");

    /// <summary>Returns the full path of <paramref name="program"/>, or throws naming the package.</summary>
    public static string Tool(string program, string package) =>
        ToolLocator.TryFind(program)
        ?? throw new PrerequisiteMissingException(
            $"{program} is not installed (Debian package {package}); run ./test.sh which installs it");
}
