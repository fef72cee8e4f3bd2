using System.Security.Cryptography;
using System.Text;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Journal;

namespace Sanpool.Storage.Tests.Cli;

/// <summary>A file domain for CLI tests; its storage picture is the domain's file tree.</summary>
public sealed class FileCliDomain : CliDomain
{
    private const long HashedUpTo = 4 * 1024 * 1024;
    private byte[]? _sealed;

    public FileCliDomain()
        : base("file")
    {
    }

    private FileDomainLayout Layout => new(Domain.Mount, Uuid);

    /// <summary>
    /// Every directory and file under the domain, with its size and a SHA-256 of its bytes
    /// (or, for the big sparse areas, its mtime, which any write moves).
    /// </summary>
    public override async Task<string> StorageAsync(bool everything)
    {
        string root = Layout.Root;
        string[] touchedByEveryWriter = [Layout.Ids, Layout.Leases, Path.Combine(Layout.Master, MasterArea.FileName)];
        var text = new StringBuilder();
        foreach (var dir in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            text.AppendLine($"{Path.GetRelativePath(root, dir)}/");
        }

        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (!everything && touchedByEveryWriter.Contains(file))
            {
                continue;
            }

            var info = new FileInfo(file);
            string content = info.Length <= HashedUpTo
                ? Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(file)))
                : $"mtime {info.LastWriteTimeUtc.Ticks}";
            text.AppendLine($"{Path.GetRelativePath(root, file)} {info.Length} {content}");
        }

        return text.ToString();
    }

    /// <summary>Edits DESCRIPTION in dom_md/metadata and keeps the old _SHA_CKSUM line.</summary>
    public override async Task BreakSealAsync()
    {
        _sealed = await File.ReadAllBytesAsync(Layout.Metadata);
        var lines = Encoding.UTF8.GetString(_sealed).Split('\n');
        int description = Array.FindIndex(lines, l => l.StartsWith("DESCRIPTION=", StringComparison.Ordinal));
        Assert.True(description >= 0, "dom_md/metadata has no DESCRIPTION line");
        lines[description] = "DESCRIPTION=tampered";
        await File.WriteAllTextAsync(Layout.Metadata, string.Join('\n', lines));
    }

    public override async Task RestoreSealAsync()
    {
        if (_sealed is not null)
        {
            await File.WriteAllBytesAsync(Layout.Metadata, _sealed);
            _sealed = null;
        }
    }
}
