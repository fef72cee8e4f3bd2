using Sanpool.Api.Images;

namespace Sanpool.Api.DataPath;

/// <summary><c>domain.extend</c> (SPM): add the LUN <see cref="Device"/> to a block domain, then serve every extension that waited for space.</summary>
public sealed record DomainExtendRequest(Guid Domain, string Device, bool? Forward = null) : IForwardableRequest;
