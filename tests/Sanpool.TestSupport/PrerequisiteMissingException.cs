namespace Sanpool.TestSupport;

/// <summary>
/// A test needs something this machine lacks (root, a tool). Tests fail with it rather than
/// pass silently: ./test.sh installs every tool, so a missing one is a broken setup.
/// </summary>
public sealed class PrerequisiteMissingException : Exception
{
    public PrerequisiteMissingException(string message)
        : base(message)
    {
    }
}
