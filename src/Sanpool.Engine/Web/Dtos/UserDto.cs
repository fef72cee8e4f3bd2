using Sanpool.Engine.Security;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Web.Dtos;

/// <summary>A user as the API shows it (never its password hash).</summary>
public sealed record UserDto(Guid Id, string Name, EngineRole Role, DateTimeOffset Created)
{
    public static UserDto From(EngineUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new UserDto(user.UserId, user.Name, user.Role, user.Created);
    }
}
