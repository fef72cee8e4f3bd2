using Sanpool.Core;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Metadata;
using Sanpool.TestSupport;

namespace Sanpool.Storage.Tests.Domains;

public class FileDomainTests
{
    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task Create_lays_out_vdsm_tree_with_sealed_metadata_and_sanlock_readable_leases(int sectorSize)
    {
        using var dir = new TempDir("filesd");
        var uuid = Guid.NewGuid();
        var info = await FileDomain.CreateAsync(dir.Path, uuid, "data one", sectorSize, default);
        Assert.Equal((uuid, "LOCALFS", "Regular", 5, sectorSize), (info.Uuid, info.Type, info.Role, info.Version, info.BlockSize));

        var layout = new FileDomainLayout(dir.Path, uuid);
        foreach (var path in new[] { layout.Ids, layout.Leases, layout.Inbox, layout.Outbox, layout.Xleases })
        {
            Assert.True(File.Exists(path), path);
        }

        Assert.True(Directory.Exists(Path.Combine(layout.Master, "tasks")));
        Assert.True(Directory.Exists(layout.Images));
        var lines = await File.ReadAllLinesAsync(layout.Metadata);
        Assert.StartsWith("_SHA_CKSUM=", lines[^1], StringComparison.Ordinal);
        Assert.Equal(lines.Order(StringComparer.Ordinal).Where(l => !l.StartsWith('_')), lines.Where(l => !l.StartsWith('_')));

        Requires.Sanlock();
        var dump = (await ToolRunner.RunAsync("sanlock", ["direct", "dump", $"{layout.Leases}:{info.Alignment}:{info.Alignment}"])).EnsureSuccess();
        Assert.Contains(" SDM ", dump.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(uuid.ToString(), dump.StandardOutput, StringComparison.Ordinal);
        var ids = (await ToolRunner.RunAsync("sanlock", ["direct", "read_leader", "-s", $"{uuid}:1:{layout.Ids}:0"])).EnsureSuccess();
        Assert.Contains($"space_name {uuid}", ids.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Creating_an_existing_domain_fails_and_changes_nothing()
    {
        using var dir = new TempDir("filesd");
        var uuid = Guid.NewGuid();
        await FileDomain.CreateAsync(dir.Path, uuid, "first", 512, default);
        var layout = new FileDomainLayout(dir.Path, uuid);
        var before = await File.ReadAllBytesAsync(layout.Metadata);
        var e = await Assert.ThrowsAsync<SanpoolException>(() => FileDomain.CreateAsync(dir.Path, uuid, "second", 512, default));
        Assert.Equal(StorageErrors.DomainExists, e.Code);
        Assert.Equal(before, await File.ReadAllBytesAsync(layout.Metadata));
    }

    [Fact]
    public async Task A_create_that_died_half_way_leaves_no_domain_and_does_not_block_the_next()
    {
        using var dir = new TempDir("filesd");
        var uuid = Guid.NewGuid();
        // What a kill -9 during BuildAsync leaves: a partial staging tree, no domain.
        Directory.CreateDirectory(Path.Combine(dir.Path, $".{uuid}.creating", uuid.ToString(), "dom_md"));
        await Assert.ThrowsAsync<SanpoolException>(() => FileDomain.ReadInfoAsync(dir.Path, uuid, default));
        var info = await FileDomain.CreateAsync(dir.Path, uuid, "again", 512, default);
        Assert.Equal(uuid, info.Uuid);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, $".{uuid}.creating")));
    }

    [Fact]
    public async Task Metadata_with_a_broken_seal_is_refused()
    {
        using var dir = new TempDir("filesd");
        var uuid = Guid.NewGuid();
        await FileDomain.CreateAsync(dir.Path, uuid, "sealed", 512, default);
        var path = new FileDomainLayout(dir.Path, uuid).Metadata;
        var text = await File.ReadAllTextAsync(path);
        await File.WriteAllTextAsync(path, text.Replace("ROLE=Regular", "ROLE=Master", StringComparison.Ordinal));
        var e = await Assert.ThrowsAsync<SanpoolException>(() => FileDomain.ReadInfoAsync(dir.Path, uuid, default));
        Assert.Equal(StorageErrors.MetadataSealBroken, e.Code);
    }

    [Fact]
    public async Task Bad_input_is_refused_before_anything_is_written()
    {
        using var dir = new TempDir("filesd");
        var missing = await Assert.ThrowsAsync<SanpoolException>(() => FileDomain.CreateAsync(Path.Combine(dir.Path, "nope"), Guid.NewGuid(), "x", 512, default));
        Assert.Equal(CommonErrors.NotFound, missing.Code);
        var longName = await Assert.ThrowsAsync<SanpoolException>(() => FileDomain.CreateAsync(dir.Path, Guid.NewGuid(), new string('n', 51), 512, default));
        Assert.Equal(CommonErrors.InvalidArgument, longName.Code);
        var badSector = await Assert.ThrowsAsync<SanpoolException>(() => FileDomain.CreateAsync(dir.Path, Guid.NewGuid(), "x", 1024, default));
        Assert.Equal("BAD_GEOMETRY", badSector.Code.Name);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }
}
