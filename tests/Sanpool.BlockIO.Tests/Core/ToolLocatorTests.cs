using Sanpool.Core.Tools;
using Sanpool.TestSupport;

namespace Sanpool.Core.Tests;

/// <summary>The search path is passed in, never set on this process: other tests run programs meanwhile.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ToolLocatorTests : IDisposable
{
    private readonly TempDir _dir = new("locator");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_bare_name_is_found_on_the_search_path_first()
    {
        string mine = Executable("first", "sh");

        Assert.Equal(mine, ToolLocator.TryFind("sh", $"{Path.GetDirectoryName(mine)}:/usr/bin:/bin"));
    }

    [Fact]
    public void The_sbin_and_bin_directories_are_searched_when_the_path_lacks_them()
    {
        string? sh = ToolLocator.TryFind("sh", _dir.Path);

        Assert.NotNull(sh);
        Assert.Contains(Path.GetDirectoryName(sh), ToolLocator.FallbackDirectories);
        Assert.Equal(sh, ToolLocator.TryFind("sh", null));
    }

    [Fact]
    public void A_file_without_an_execute_bit_is_passed_over()
    {
        string data = _dir.File("sh");
        File.WriteAllText(data, "not a program");
        File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.NotEqual(data, ToolLocator.TryFind("sh", _dir.Path));
        Assert.Null(ToolLocator.TryFind(data));
    }

    [Fact]
    public void A_name_with_a_slash_is_taken_as_it_is()
    {
        string mine = Executable("bin", "my-tool");

        Assert.Equal(mine, ToolLocator.TryFind(mine, "/usr/bin"));
        Assert.Null(ToolLocator.TryFind(_dir.File("absent")));
    }

    [Fact]
    public void A_missing_tool_raises_the_callers_code_naming_the_program_and_its_package()
    {
        var errorCode = new ErrorCode(-9999, "TEST_TOOL_MISSING");

        var known = Assert.Throws<SanpoolException>(() => ToolLocator.Find("/nonexistent/qemu-img", errorCode));
        var unknown = Assert.Throws<SanpoolException>(() => ToolLocator.Find("no-such-program-sanpool"));

        Assert.Equal(errorCode, known.Code);
        Assert.Equal("/nonexistent/qemu-img is not installed (Debian package qemu-utils)", known.Message);
        Assert.Equal(ToolErrors.NotInstalled, unknown.Code);
        Assert.StartsWith("no-such-program-sanpool is not installed (not on PATH nor in /usr/local/sbin", unknown.Message, StringComparison.Ordinal);
    }

    private string Executable(string subdirectory, string name)
    {
        string dir = Path.Combine(_dir.Path, subdirectory);
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, "#!/bin/sh\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
