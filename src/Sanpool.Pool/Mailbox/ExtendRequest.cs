namespace Sanpool.Pool.Mailbox;

/// <summary>A host's request to the SPM: grow <paramref name="Volume"/>'s LV in <paramref name="Domain"/> to at least <paramref name="NewSizeMiB"/>.</summary>
public sealed record ExtendRequest(Guid Domain, Guid Volume, long NewSizeMiB)
{
    public override string ToString() => $"{Domain}/{Volume} to {NewSizeMiB} MiB";
}
