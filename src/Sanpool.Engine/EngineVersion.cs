using System.Reflection;

namespace Sanpool.Engine;

/// <summary>The engine's version, as built (the assembly's informational version without its source revision).</summary>
public static class EngineVersion
{
    public static string Text { get; } = Read();

    private static string Read()
    {
        string? version = typeof(EngineVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return version is null ? "0.0.0" : version.Split('+')[0];
    }
}
