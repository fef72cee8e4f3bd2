namespace Sanpool.Core.Tools;

/// <summary>Codes for external tools (lvm, qemu-img, losetup, sanlock), band -500 .. -519.</summary>
public static class ToolErrors
{
    public static readonly ErrorCode Failed = new(-500, "TOOL_FAILED");
    public static readonly ErrorCode NotInstalled = new(-501, "TOOL_NOT_INSTALLED");
    public static readonly ErrorCode TimedOut = new(-502, "TOOL_TIMEOUT");
}
