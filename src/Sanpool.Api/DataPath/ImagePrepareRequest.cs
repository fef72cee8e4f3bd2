namespace Sanpool.Api.DataPath;

/// <summary><c>image.prepare</c>: serve the image's chain on this host (LV exports or files, and the drive qemu opens).</summary>
public sealed record ImagePrepareRequest(Guid Domain, Guid Image);
