using Sanpool.TestSupport;

namespace Sanpool.Storage.Tests.Qemu;

/// <summary>
/// The real qemu tools driven directly from tests (not through <c>QemuImg</c>), so that golden
/// values and test data never depend on the code under test.
/// </summary>
internal static class QemuTestTools
{
    public const string ParentA = "11111111-2222-3333-4444-555555555555";
    public const string ParentB = "22222222-3333-4444-5555-666666666666";
    public const string ParentC = "33333333-4444-5555-6666-777777777777";

    /// <summary>Runs <c>qemu-img</c> with <paramref name="args"/>; throws on a non-zero exit.</summary>
    public static async Task<string> QemuImgAsync(params string[] args)
    {
        Requires.Tool("qemu-img", "qemu-utils");
        var run = await ToolRunner.RunAsync("qemu-img", args);
        return run.EnsureSuccess().StandardOutput;
    }

    /// <summary>Runs <c>qemu-io -f fmt -c cmd1 -c cmd2 ... filename</c>; throws if any command failed (a pattern mismatch included).</summary>
    public static async Task QemuIoAsync(string format, string filename, params string[] commands)
    {
        Requires.Tool("qemu-io", "qemu-utils");
        var args = new List<string> { "-f", format };
        foreach (var c in commands)
        {
            args.AddRange(["-c", c]);
        }

        args.Add(filename);
        var run = await ToolRunner.RunAsync("qemu-io", args);
        run.EnsureSuccess();
        Assert.DoesNotContain("failed", run.StandardOutput + run.StandardError, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Overwrites bytes of a file in place.</summary>
    public static async Task PatchAsync(string path, long offset, byte[] bytes)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.Seek(offset, SeekOrigin.Begin);
        await stream.WriteAsync(bytes);
    }

    public static byte[] BigEndian(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    public static byte[] BigEndian(ulong value) => [.. BigEndian((uint)(value >> 32)), .. BigEndian((uint)value)];
}
