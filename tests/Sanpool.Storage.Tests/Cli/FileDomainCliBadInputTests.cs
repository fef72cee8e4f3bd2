using Sanpool.TestSupport;

namespace Sanpool.Storage.Tests.Cli;

/// <summary>
/// Bad input on a file domain. Besides the shared cases, those that do not depend on the kind
/// of domain and so run here only: arguments the CLI refuses by itself (sizes, ids that are
/// no UUID, host ids), and the rest of the UUIDs of nothing (every verb
/// finds a domain the same way, and the chain logic is the same on both kinds). And a RAW
/// volume larger than the file system takes for one file.
/// </summary>
public sealed class FileDomainCliBadInputTests(FileCliDomain domain) : StorageCliBadInputTests(domain), IClassFixture<FileCliDomain>
{
    public static TheoryData<string, string> BadSizes => new()
    {
        { "0", "is zero" },
        { "-1", "is negative" },
        { "-5G", "is negative" },
        { "12XB", "is not a size" },
        { "1.5G", "is not a size" },
        { "0x200", "is not a size" },
        { "99999999T", "is more than the largest image, 2048T" },
        { "2049T", "is more than the largest image, 2048T" },
        { "123456789012345678901234567890123456789012", "is more than the largest image, 2048T" },
        { "1000", "is 1000 bytes, not a whole number of 512-byte sectors; give 1024 (or 512)" },
        { "100", "is 100 bytes, not a whole number of 512-byte sectors; give 512" },
    };

    /// <summary>
    /// Arguments the CLI refuses by itself: ids before it opens the domain, host ids before it
    /// joins the lockspace. The second column is what the message must name.
    /// </summary>
    public static TheoryData<string, string> Malformed => new()
    {
        { "image create notauuid --size 1G", "'notauuid' is not a UUID" },
        { "image create SD --size 1G --image 1234", "image '1234' is not a UUID" },
        { "image create SD --size 1G --volume IMG~nodash", "volume 'IMG~nodash' is not a UUID" },
        { "image create SD --template IMG~braced", "template 'IMG~braced' is not a UUID" },
        { "image merge SD not-an-image --base MID --top LEAF", "image 'not-an-image' is not a UUID" },
        { "image merge SD IMG --base MID~short --top LEAF", "base volume 'MID~short' is not a UUID" },
        { "image merge SD IMG --base MID --top LEAF~braced", "top volume 'LEAF~braced' is not a UUID" },
        { "image copy SD IMG~short --to SD", "image 'IMG~short' is not a UUID" },
        { "image copy SD IMG --to zz", "target domain 'zz' is not a UUID" },
        { "image copy SD IMG --to SD --new-image 0", "new image '0' is not a UUID" },
        { "snapshot create SD IMG~nodash", "image 'IMG~nodash' is not a UUID" },
        { "snapshot create SD IMG --volume yes", "volume 'yes' is not a UUID" },
        { "snapshot create SD~braced IMG", "domain 'SD~braced' is not a UUID" },
        { "volume delete SD IMG LEAF~short", "volume 'LEAF~short' is not a UUID" },
        { "volume delete SD IMG~short LEAF", "image 'IMG~short' is not a UUID" },
        { "template create SD not-a-uuid --from-image IMG", "template image 'not-a-uuid' is not a UUID" },
        { "template create SD NEW --from-image IMG~nodash", "source image 'IMG~nodash' is not a UUID" },
        { "template create SD NEW --from-image IMG --volume v1", "volume 'v1' is not a UUID" },
        { "dump-volume-chains SD~short", "domain 'SD~short' is not a UUID" },
        { "image list SD~nodash", "domain 'SD~nodash' is not a UUID" },
        { "domain info SD~braced", "'SD~braced' is not a UUID" },
        { "domain check sd", "domain 'sd' is not a UUID" },
        { "domain recover SD~short", "domain 'SD~short' is not a UUID" },
        { "snapshot create SD IMG --host-id 0", "host id 0: must be 1-2000" },
        { "image create SD --size 1G --host-id 2001", "host id 2001: must be 1-2000" },
    };

    /// <summary>The UUIDs of nothing not in <see cref="StorageCliBadInputTests.Absent"/>: every other verb's domain, and more that the writer judges.</summary>
    public static TheoryData<string, string, string> AbsentToo => new()
    {
        { "image merge NONE IMG --base MID --top LEAF", "DOMAIN_NOT_FOUND", "no domain NONE" },
        { "image copy NONE IMG --to SD", "DOMAIN_NOT_FOUND", "no domain NONE" },
        { "snapshot create NONE IMG", "DOMAIN_NOT_FOUND", "no domain NONE" },
        { "volume delete NONE IMG LEAF", "DOMAIN_NOT_FOUND", "no domain NONE" },
        { "template create NONE NEW --from-image IMG", "DOMAIN_NOT_FOUND", "no domain NONE" },
        { "dump-volume-chains NONE", "DOMAIN_NOT_FOUND", "no domain NONE" },
        { "image list NONE", "DOMAIN_NOT_FOUND", "no domain NONE" },
        { "domain check NONE", "DOMAIN_NOT_FOUND", "no domain NONE" },
        { "domain recover NONE", "DOMAIN_NOT_FOUND", "no domain NONE" },
        { "image create SD --size 1G --template NONE", "IMAGE_NOT_FOUND", "no image NONE" },
        { "image merge SD NONE --base MID --top LEAF", "IMAGE_NOT_FOUND", "no image NONE" },
        { "image merge SD IMG --base NONE --top LEAF", "INVALID_ARGUMENT", "volume NONE is not the parent of LEAF in image IMG" },
        { "image copy SD NONE --to SD", "IMAGE_NOT_FOUND", "no image NONE" },
        { "volume delete SD NONE LEAF", "VOLUME_NOT_FOUND", "no volume LEAF in image NONE" },
    };

    [Theory]
    [MemberData(nameof(BadSizes))]
    public async Task A_size_that_is_no_image_size_is_refused_before_the_domain_is_opened(string size, string why)
    {
        var result = await D.RunAsync("image", "create", D.Uuid.ToString(), $"--size={size}", "--format", "raw", "--allocation", "preallocated");

        AssertUsage(result, "image create", $"size '{size}' {why}");
        Assert.Equal(D.Baseline, await D.PictureAsync());
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task An_argument_that_is_no_UUID_or_host_id_is_refused_as_usage(string arguments, string named)
    {
        var args = Args(arguments);
        var result = await D.RunAsync(args);

        AssertUsage(result, string.Join(' ', args.Take(args[0] == "dump-volume-chains" ? 1 : 2)), Expand(named));
        Assert.Equal(D.Baseline, await D.PictureAsync());
    }

    [Theory]
    [MemberData(nameof(AbsentToo))]
    public Task Any_other_UUID_of_nothing_is_not_found_and_named(string arguments, string code, string named) =>
        AssertRefusedAsync(arguments, code, named);

    /// <summary>
    /// 64 TiB is within the largest image but more than one ext4 file holds (16 TiB with 4 KiB
    /// blocks). Where the file system takes it (XFS), the image is made and deleted again.
    /// </summary>
    [Fact]
    public async Task A_RAW_volume_larger_than_the_file_system_takes_is_refused_and_rolled_back()
    {
        const long size = 64L << 40;
        bool fits = FileSystemTakes(size);

        var result = await D.RunAsync("image", "create", D.Uuid.ToString(), "--size", "64T", "--format", "raw", "--allocation", "sparse", "--json");

        if (fits)
        {
            using var created = System.Text.Json.JsonDocument.Parse(result.EnsureSuccess().StandardOutput);
            (await D.RunAsync("volume", "delete", D.Uuid.ToString(), created.RootElement.GetProperty("image").GetString()!,
                created.RootElement.GetProperty("volume").GetString()!)).EnsureSuccess();
        }
        else
        {
            AssertRefused(result, 1, "INVALID_ARGUMENT", $"a RAW volume of {size} bytes is larger than the file system under {D.Domain.Mount} allows for one file");
        }

        Assert.Equal(D.Baseline, await D.PictureAsync());
    }

    private bool FileSystemTakes(long size)
    {
        string probe = D.Domain.Scratch("size-probe");
        try
        {
            using var f = new FileStream(probe, FileMode.Create, FileAccess.Write);
            f.SetLength(size);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
        finally
        {
            File.Delete(probe);
        }
    }
}
