using Sanpool.Core;

namespace Sanpool.Engine.Web;

/// <summary>Ids in paths are taken as text and parsed here, so a malformed one is a clear 400 (INVALID_ID) rather than a route that does not match.</summary>
internal static class EntityIds
{
    public static Guid Parse(string id, string what) =>
        Guid.TryParseExact(id, "D", out var value)
            ? value
            : throw new SanpoolException(EngineErrors.InvalidId, $"'{LogText.Printable(id, 40)}' is not a {what} id (a UUID such as 3f2c1a0e-8d4b-4c1e-9a7f-0b5e6d7c8a91)");
}
