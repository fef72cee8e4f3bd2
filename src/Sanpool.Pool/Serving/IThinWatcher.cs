using Sanpool.Storage.Thin;

namespace Sanpool.Pool.Serving;

/// <summary>What watches the thin volumes this host writes and asks the SPM to extend them.</summary>
public interface IThinWatcher
{
    void Watch(IThinVolume volume);

    Task UnwatchAsync(IThinVolume volume);
}
