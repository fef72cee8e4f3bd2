using Sanpool.Leases;
using Sanpool.Leases.OnDisk;

namespace Sanpool.LeaseDaemon.Server;

/// <summary>A resource as the daemon tells resources apart: lockspace and resource name (as sanlock matches them).</summary>
internal readonly record struct ResourceKey(string Lockspace, string Resource)
{
    public static ResourceKey Of(LeaseSpec spec) => new(spec.Lockspace, spec.Resource);

    /// <summary>LS:RES, or a whole LS:RES:PATH:OFFSET[:LVER] spec of which only the names count.</summary>
    public static ResourceKey Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length < 2)
        {
            throw Core.CommonErrors.Invalid($"-r '{text}' is not LOCKSPACE:RESOURCE[:PATH:OFFSET]");
        }

        return new ResourceKey(LeaseNames.Validate(parts[0], "lockspace"), LeaseNames.Validate(parts[1], "resource"));
    }

    public override string ToString() => $"{Lockspace}:{Resource}";
}
