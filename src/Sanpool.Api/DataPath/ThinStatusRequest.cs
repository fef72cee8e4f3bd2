namespace Sanpool.Api.DataPath;

/// <summary><c>thin.status</c>: the thin volumes this host watches.</summary>
public sealed record ThinStatusRequest;
