using Sanpool.Engine.Model;

namespace Sanpool.Engine.Web.Dtos;

/// <summary>A host's <c>spm</c>, as oVirt's: its priority (-1 never, 0-10) and its role now (none, contending, spm).</summary>
public sealed record HostSpmDto(int Priority, SpmStatus Status);
