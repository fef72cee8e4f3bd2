using System.Text;
using Sanpool.BlockIO;
using Sanpool.Core;

namespace Sanpool.DataPath;

/// <summary>
/// The mount's one directory: volume names to <see cref="VolumeFile"/>s, and FUSE node ids to
/// the files the kernel may still name. A node id stays known until the file is both out of
/// the directory and forgotten by the kernel (every LOOKUP reply matched by a FORGET), so an
/// open file that was removed or replaced keeps working. Node ids are never reused.
/// </summary>
internal sealed class VolumeDirectory
{
    /// <summary>FUSE_ROOT_ID: the directory itself.</summary>
    public const ulong RootId = 1;

    private const int MaxNameBytes = 255;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, VolumeFile> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, VolumeFile> _byId = [];
    private readonly TimeProvider _time;
    private ulong _nextId = RootId + 1;

    public VolumeDirectory(TimeProvider time)
    {
        _time = time;
        CreatedAt = time.GetUtcNow();
    }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>Lists a volume under <paramref name="name"/>; with <paramref name="replace"/> an existing one is unlisted.</summary>
    public void Add(string name, IBlockDevice device, bool readOnly, bool replace)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(device);
        lock (_lock)
        {
            if (_byName.TryGetValue(name, out var old))
            {
                if (!replace)
                {
                    throw new SanpoolException(DataPathErrors.VolumeExists, $"volume {name} is already in the file system");
                }

                Unlink(old);
            }

            var file = new VolumeFile(name, _nextId++, device, readOnly, _time.GetUtcNow());
            _byName[name] = file;
            _byId[file.NodeId] = file;
        }
    }

    public bool Remove(string name)
    {
        lock (_lock)
        {
            if (!_byName.TryGetValue(name, out var file))
            {
                return false;
            }

            Unlink(file);
            return true;
        }
    }

    /// <summary>LOOKUP: the file listed under <paramref name="name"/>, counted as one more kernel reference.</summary>
    public VolumeFile? Lookup(string name)
    {
        lock (_lock)
        {
            if (!_byName.TryGetValue(name, out var file))
            {
                return null;
            }

            file.Lookups++;
            return file;
        }
    }

    /// <summary>A node id the kernel holds, listed or not.</summary>
    public VolumeFile? Find(ulong nodeId)
    {
        lock (_lock)
        {
            return _byId.GetValueOrDefault(nodeId);
        }
    }

    /// <summary>FORGET: the kernel dropped <paramref name="lookups"/> references to the node.</summary>
    public void Forget(ulong nodeId, ulong lookups)
    {
        lock (_lock)
        {
            if (_byId.TryGetValue(nodeId, out var file))
            {
                file.Lookups -= Math.Min(lookups, file.Lookups);
                DropIfUnused(file);
            }
        }
    }

    /// <summary>The listed files, by name, for READDIR and STATFS.</summary>
    public List<VolumeFile> List()
    {
        lock (_lock)
        {
            return [.. _byName.Values.OrderBy(f => f.Name, StringComparer.Ordinal)];
        }
    }

    public IReadOnlyCollection<string> Names()
    {
        lock (_lock)
        {
            return [.. _byName.Keys];
        }
    }

    private void Unlink(VolumeFile file)
    {
        _byName.Remove(file.Name);
        file.Linked = false;
        DropIfUnused(file);
    }

    private void DropIfUnused(VolumeFile file)
    {
        if (!file.Linked && file.Lookups == 0)
        {
            _byId.Remove(file.NodeId);
        }
    }

    private static void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name is "." or ".." || name.Contains('/', StringComparison.Ordinal)
            || name.Contains('\0', StringComparison.Ordinal) || Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
        {
            throw new SanpoolException(DataPathErrors.BadVolumeName, $"'{name}' cannot be a volume file name");
        }
    }
}
