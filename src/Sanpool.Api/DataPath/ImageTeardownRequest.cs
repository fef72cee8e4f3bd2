namespace Sanpool.Api.DataPath;

/// <summary><c>image.teardown</c>: stop serving a prepared image on this host.</summary>
public sealed record ImageTeardownRequest(Guid Domain, Guid Image);
