using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Sanpool.Engine.Security;

/// <summary>
/// Bearer tokens: 32 random bytes in base64url (43 characters), given to the client once; the
/// engine keeps only their SHA-256 in hex. A token is random enough that a plain hash is as
/// good as a slow one: nobody can guess 256 bits, whatever the hashing costs.
/// </summary>
public static class AccessTokens
{
    public const int TokenBytes = 32;
    public const int TokenLength = 43;

    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));

    /// <summary>engine_tokens.token_hash of <paramref name="token"/>: SHA-256, 64 lower-case hex digits.</summary>
    public static string HashOf(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }

    /// <summary>True if <paramref name="text"/> has the shape of a token (so anything else is refused before a lookup).</summary>
    public static bool IsWellFormed(string text) =>
        text is not null && text.Length == TokenLength && Base64Url.IsValid(text, out int decoded) && decoded == TokenBytes;
}
