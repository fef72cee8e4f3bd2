namespace Sanpool.Api.Images;

/// <summary><c>snapshot.create</c>: a new COW leaf on the image's leaf, which becomes INTERNAL.</summary>
public sealed record SnapshotCreateRequest(Guid Domain, Guid Image, Guid? Volume = null, bool? Wait = null, bool? Forward = null) : IStructuralRequest;
