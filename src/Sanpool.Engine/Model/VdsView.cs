namespace Sanpool.Engine.Model;

/// <summary>A host as the engine shows and polls it: its <c>vds_static</c> and <c>vds_dynamic</c> rows and its id in its pool's lockspaces (null if none).</summary>
public sealed record VdsView(VdsStatic Static, VdsDynamic Dynamic, int? SpmId);
