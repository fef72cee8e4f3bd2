using System.Globalization;
using Sanpool.Leases;

namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>
/// A held resource in sanlock's string form (as <c>sanlock client inquire</c> prints it):
/// LOCKSPACE:RESOURCE:PATH:OFFSET:LVER, a colon in the path written "\:", and ":SH" after a
/// shared one.
/// </summary>
public static class ResourceText
{
    public static string Format(LeaseSpec spec, ulong lver, bool shared) =>
        string.Create(CultureInfo.InvariantCulture, $"{spec}:{lver}{(shared ? ":SH" : "")}");
}
