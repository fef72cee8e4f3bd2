namespace Sanpool.Storage.Volumes;

/// <summary>
/// Volumes exposed as files in one directory for qemu: a chain's qcow2 headers name their
/// parents by bare UUID, which qemu resolves against this directory. Disposing takes the
/// exposure down (unmounts a FUSE mount); file domains expose the image directory itself.
/// </summary>
public sealed class PreparedVolumes : IAsyncDisposable
{
    private readonly Func<ValueTask>? _release;

    public PreparedVolumes(string directory, Func<ValueTask>? release = null)
    {
        Directory = directory;
        _release = release;
    }

    public string Directory { get; }

    public string PathOf(Guid volume) => Path.Combine(Directory, volume.ToString());

    public ValueTask DisposeAsync() => _release?.Invoke() ?? ValueTask.CompletedTask;
}
