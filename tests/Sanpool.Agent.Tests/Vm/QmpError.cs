namespace Sanpool.Agent.Tests.Vm;

/// <summary>An error answer the fake monitor sends.</summary>
internal sealed record QmpError(string Class, string Description);
