namespace Sanpool.Engine.Model;

/// <summary>A row of <c>vm_static</c>: a VM or template as defined.</summary>
/// <param name="VmtGuid">The template the VM was made from, <see cref="Guid.Empty"/> if none.</param>
public sealed record VmStatic(
    Guid VmGuid,
    string VmName,
    VmEntityType EntityType,
    Guid VmtGuid,
    int MemSizeMb,
    string? Description,
    DateTimeOffset CreationDate,
    DateTimeOffset? UpdateDate);
