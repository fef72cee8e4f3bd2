using System.Globalization;
using System.Security.Cryptography;

namespace Sanpool.Engine.Security;

/// <summary>
/// Password hashes as engine_users.password_hash keeps them: PBKDF2 with HMAC-SHA256, a random
/// 16-byte salt and 210,000 iterations (OWASP's figure for PBKDF2-HMAC-SHA256), in a string
/// that says how it was made, so the iteration count can rise later without breaking old rows:
/// <code>
/// pbkdf2-sha256$210000$&lt;salt, base64&gt;$&lt;32-byte hash, base64&gt;
/// </code>
/// Verification recomputes with the stored salt and count and compares in constant time.
/// </summary>
public static class PasswordHasher
{
    public const string Algorithm = "pbkdf2-sha256";
    public const int Iterations = 210_000;
    public const int SaltBytes = 16;
    public const int HashBytes = 32;

    // A stored hash says its own count; bound it so a crafted row cannot make a login spin.
    private const int MinIterations = 100_000;
    private const int MaxIterations = 10_000_000;

    /// <summary>Verified against when the user does not exist, so that case costs the same time.</summary>
    private static readonly Lazy<string> Decoy = new(() => Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(SaltBytes))));

    public static string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
        byte[] hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, Iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Join('$', Algorithm, Iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    /// <summary>True if <paramref name="password"/> is the one <paramref name="stored"/> was made from; false for a malformed <paramref name="stored"/>.</summary>
    public static bool Verify(string password, string stored)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(stored);
        string[] parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Algorithm
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int iterations)
            || iterations is < MinIterations or > MaxIterations)
        {
            return false;
        }

        byte[] salt;
        byte[] expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        if (salt.Length < SaltBytes || expected.Length != HashBytes)
        {
            return false;
        }

        byte[] actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>Spends the time of one verification and fails: for a user name that does not exist.</summary>
    public static bool VerifyNobody(string password)
    {
        _ = Verify(password, Decoy.Value);
        return false;
    }
}
