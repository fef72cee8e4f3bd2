using Sanpool.Core;
using Sanpool.Storage.Qemu;
using Sanpool.TestSupport;
using static Sanpool.Storage.Tests.Qemu.QemuTestTools;

namespace Sanpool.Storage.Tests.Qemu;

public class BackingFilePolicyTests
{
    [Theory]
    [InlineData("../x")]
    [InlineData("../" + ParentA)]
    [InlineData("/etc/passwd")]
    [InlineData("/rhev/data-center/mnt/other/images/x/" + ParentA)]
    [InlineData("subdir/" + ParentA)]
    [InlineData("json:{\"driver\":\"file\",\"filename\":\"/etc/shadow\"}")]
    [InlineData("JSON:{}")]
    [InlineData("nbd://203.0.113.9:10809/disk")]
    [InlineData("nbd:unix:/run/other.sock")]
    [InlineData("file:/etc/passwd")]
    [InlineData("https://example.com/disk.img")]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("11111111-2222-3333-4444-55555555555G")]
    [InlineData("11111111-2222-3333-4444-55555555555")]
    [InlineData("AAAAAAAA-2222-3333-4444-555555555555")]
    [InlineData("11111111222233334444555555555555")]
    [InlineData("{11111111-2222-3333-4444-555555555555}")]
    [InlineData(ParentA + " ")]
    [InlineData(ParentA + "\0../../etc/passwd")]
    [InlineData("11111111-2222-3333-4444-5555555555\n5")]
    public void Anything_but_a_bare_lowercase_volume_uuid_is_refused_quoting_it(string name)
    {
        var e = Assert.Throws<SanpoolException>(() => BackingFilePolicy.CheckName(name));

        Assert.Equal(QemuErrors.UnsafeBackingFile, e.Code);
        string quoted = name.Replace("\0", "\\u0000", StringComparison.Ordinal).Replace("\n", "\\u000a", StringComparison.Ordinal);
        Assert.Contains($"'{quoted}'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ParentA)]
    [InlineData("0123abcd-ef01-4567-89ab-cdef01234567")]
    [InlineData(null)]
    public void A_bare_volume_uuid_or_no_backing_file_passes(string? name)
    {
        BackingFilePolicy.CheckName(name);
        new BackingFilePolicy([ParentA, "0123abcd-ef01-4567-89ab-cdef01234567"]).Check(name);
    }

    [Fact]
    public void A_uuid_of_another_image_is_refused()
    {
        var policy = new BackingFilePolicy([ParentA, ParentB]);

        var e = Assert.Throws<SanpoolException>(() => policy.Check(ParentC));

        Assert.Equal(QemuErrors.UnsafeBackingFile, e.Code);
        Assert.Contains(ParentC, e.Message, StringComparison.Ordinal);
        Assert.Contains("no volume of this image", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symlink_out_of_the_image_directory_is_refused()
    {
        using var dir = new TempDir("backing");
        string image = Directory.CreateDirectory(dir.File("image")).FullName;
        string other = Directory.CreateDirectory(dir.File("other-image")).FullName;
        File.WriteAllText(Path.Combine(other, "secret"), "not yours");
        File.CreateSymbolicLink(Path.Combine(image, ParentA), Path.Combine("..", "other-image", "secret"));
        var policy = new BackingFilePolicy([ParentA], image);

        var e = Assert.Throws<SanpoolException>(() => policy.Check(ParentA));

        Assert.Equal(QemuErrors.UnsafeBackingFile, e.Code);
        Assert.Contains("outside the image directory", e.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(other, "secret"), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symlink_through_a_linked_directory_is_refused()
    {
        using var dir = new TempDir("backing");
        string image = Directory.CreateDirectory(dir.File("image")).FullName;
        string other = Directory.CreateDirectory(dir.File("other")).FullName;
        File.WriteAllText(Path.Combine(other, "vol"), "x");
        Directory.CreateSymbolicLink(Path.Combine(image, "door"), other);
        File.CreateSymbolicLink(Path.Combine(image, ParentA), "door/vol");

        var e = Assert.Throws<SanpoolException>(() => new BackingFilePolicy(null, image).Check(ParentA));

        Assert.Equal(QemuErrors.UnsafeBackingFile, e.Code);
    }

    [Fact]
    public void A_dangling_symlink_is_refused()
    {
        using var dir = new TempDir("backing");
        File.CreateSymbolicLink(dir.File(ParentA), "/nonexistent/sanpool/" + ParentB);

        var e = Assert.Throws<SanpoolException>(() => new BackingFilePolicy(null, dir.Path).Check(ParentA));

        Assert.Equal(QemuErrors.UnsafeBackingFile, e.Code);
        Assert.Contains("does not resolve", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symlink_inside_the_image_directory_a_hard_link_or_a_missing_file_passes()
    {
        using var dir = new TempDir("backing");
        File.WriteAllText(dir.File(ParentB), "template volume");
        File.CreateSymbolicLink(dir.File(ParentA), ParentB);
        var policy = new BackingFilePolicy([ParentA, ParentB, ParentC], dir.Path);

        policy.Check(ParentA);
        policy.Check(ParentB);
        policy.Check(ParentC);
    }

    public static TheoryData<string> CraftedNames => new()
    {
        "../other-image/" + ParentA,
        "/etc/shadow",
        "json:{\"driver\":\"file\",\"filename\":\"/etc/shadow\"}",
        "nbd://203.0.113.9/export",
        "file:/var/lib/secret.img",
    };

    [Theory]
    [MemberData(nameof(CraftedNames))]
    public async Task Images_qemu_img_made_with_unsafe_backing_names_are_refused(string name)
    {
        using var dir = new TempDir("backing");
        string image = dir.File("crafted.qcow2");
        await QemuImgAsync("create", "-q", "-f", "qcow2", "-o", "compat=1.1", "-b", name, "-F", "raw", "-u", image, "1G");

        var e = await Assert.ThrowsAsync<SanpoolException>(() => BackingFilePolicy.FormOnly.CheckImageAsync(image, CancellationToken.None));

        Assert.Equal(QemuErrors.UnsafeBackingFile, e.Code);
        Assert.Contains($"'{name}'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/etc/shadow")]
    [InlineData("../../../../etc/shadow-very-long-name-to-move-things")]
    [InlineData("nbd+unix:///x?socket=/run/sock")]
    public async Task A_header_patched_to_name_another_file_is_refused_and_qemu_reads_the_same_name(string name)
    {
        using var dir = new TempDir("backing");
        string image = dir.File("patched.qcow2");
        await QemuImgAsync("create", "-q", "-f", "qcow2", "-o", "compat=1.1", "-b", ParentA, "-F", "raw", "-u", image, "1G");
        var header = await Qcow2Header.ReadAsync(image, CancellationToken.None);
        var bytes = new byte[header.ClusterSize];
        header.WithBacking(name, "raw").Write(bytes);
        await PatchAsync(image, 0, bytes);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => BackingFilePolicy.FormOnly.CheckImageAsync(image, CancellationToken.None));

        Assert.Equal(QemuErrors.UnsafeBackingFile, e.Code);
        string info = await QemuImgAsync("info", "--output", "json", "-U", image);
        Assert.Contains($"\"backing-filename\": \"{name}\"", info, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "no backing format")]
    [InlineData("vmdk", "not raw or qcow2")]
    public async Task A_uuid_backing_file_with_a_missing_or_foreign_format_is_refused(string? format, string problem)
    {
        using var dir = new TempDir("backing");
        string image = dir.File("patched.qcow2");
        await QemuImgAsync("create", "-q", "-f", "qcow2", "-o", "compat=1.1", "-b", ParentA, "-F", "raw", "-u", image, "1G");
        var header = await Qcow2Header.ReadAsync(image, CancellationToken.None);
        var bytes = new byte[header.ClusterSize];
        header.WithBacking(ParentA, format).Write(bytes);
        await PatchAsync(image, 0, bytes);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => new BackingFilePolicy([ParentA], dir.Path).CheckImageAsync(image, CancellationToken.None));

        Assert.Equal(QemuErrors.UnsafeBackingFile, e.Code);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_image_reading_its_data_from_an_external_file_is_refused()
    {
        using var dir = new TempDir("backing");
        string image = dir.File("data-file.qcow2");
        await QemuImgAsync("create", "-q", "-f", "qcow2", "-o", $"compat=1.1,data_file={dir.File("elsewhere.raw")}", image, "1G");

        var e = await Assert.ThrowsAsync<SanpoolException>(() => BackingFilePolicy.FormOnly.CheckImageAsync(image, CancellationToken.None));

        Assert.Equal(QemuErrors.UnsafeBackingFile, e.Code);
        Assert.Contains("elsewhere.raw", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_vdsm_style_snapshot_passes()
    {
        using var dir = new TempDir("backing");
        await QemuImgAsync("create", "-q", "-f", "raw", dir.File(ParentA), "1G");
        await QemuImgAsync("create", "-q", "-f", "qcow2", "-o", "compat=1.1", "-b", ParentA, "-F", "raw", dir.File(ParentB), "1G");

        var header = await new BackingFilePolicy([ParentA, ParentB], dir.Path).CheckImageAsync(dir.File(ParentB), CancellationToken.None);

        Assert.Equal(ParentA, header.BackingFile);
    }
}
