using Sanpool.Api.Binding;
using Sanpool.Storage.Metadata;

namespace Sanpool.Api.Images;

/// <summary>
/// <c>image.create</c>: a new image of one volume of <see cref="Size"/> bytes. Ids left out are
/// made up; the format defaults to COW, the allocation to PREALLOCATED for RAW and SPARSE for
/// COW; a <see cref="Template"/> puts the new volume on that template image's volume.
/// </summary>
public sealed record ImageCreateRequest(
    Guid Domain,
    [Positive] long Size,
    Guid? Image = null,
    Guid? Volume = null,
    VolumeFormat? Format = null,
    AllocationType? Allocation = null,
    string? Description = null,
    Guid? Template = null,
    bool? Wait = null,
    bool? Forward = null) : IStructuralRequest;
