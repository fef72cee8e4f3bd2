using Sanpool.Engine.Model;

namespace Sanpool.Engine.Web.Dtos;

/// <summary>A template as <c>/api/templates</c> shows it: what it is, and its disks (one volume each, LOCKED while its job runs).</summary>
/// <param name="Status">ok, or locked while a disk of it is.</param>
public sealed record TemplateDto(Guid Id, string Name, string? Description, int MemoryMb, ImageStatus Status, DateTimeOffset CreationDate, IReadOnlyList<DiskDto> Disks, string Href);

/// <summary><c>POST /api/templates</c>: <c>{ "vm": { "id": "..." }, "name": "base-image", "description": "..." }</c>; the VM must be down.</summary>
public sealed record CreateTemplateRequest(IdRefDto? Vm, string? Name, string? Description = null);

/// <summary>A template action's answer (202): its job and the template.</summary>
public sealed record TemplateActionDto(JobDto Job, RefDto Template);
