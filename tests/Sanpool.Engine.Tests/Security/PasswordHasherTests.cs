using Sanpool.Engine.Security;

namespace Sanpool.Engine.Tests.Security;

public sealed class PasswordHasherTests
{
    [Fact]
    public void A_hash_verifies_its_password_and_rejects_another()
    {
        string hash = PasswordHasher.Hash("correct horse battery staple");
        Assert.True(PasswordHasher.Verify("correct horse battery staple", hash));
        Assert.False(PasswordHasher.Verify("correct horse battery stapler", hash));
        Assert.False(PasswordHasher.Verify("", hash));
    }

    [Fact]
    public void Two_hashes_of_one_password_differ_by_their_salt()
    {
        string first = PasswordHasher.Hash("same password");
        string second = PasswordHasher.Hash("same password");
        Assert.NotEqual(first, second);
        Assert.True(PasswordHasher.Verify("same password", second));
    }

    [Fact]
    public void A_hash_says_its_algorithm_iterations_salt_and_hash()
    {
        string[] parts = PasswordHasher.Hash("p").Split('$');
        Assert.Equal(4, parts.Length);
        Assert.Equal("pbkdf2-sha256", parts[0]);
        Assert.True(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) >= 210_000);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[3]).Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain-text-password")]
    [InlineData("pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$210000$not base64$AAAA")]
    [InlineData("bcrypt$210000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    public void A_malformed_or_weak_stored_hash_verifies_nothing(string stored)
    {
        Assert.False(PasswordHasher.Verify("plain-text-password", stored));
    }

    [Fact]
    public void Tokens_are_43_base64url_characters_and_only_their_sha256_is_kept()
    {
        string token = AccessTokens.NewToken();
        Assert.Equal(43, token.Length);
        Assert.True(AccessTokens.IsWellFormed(token));
        Assert.DoesNotContain(token, c => c is '+' or '/' or '=');
        Assert.NotEqual(token, AccessTokens.NewToken());
        string hash = AccessTokens.HashOf(token);
        Assert.Equal(64, hash.Length);
        Assert.Equal(hash, AccessTokens.HashOf(token));
        Assert.False(AccessTokens.IsWellFormed(token[..42]));
    }
}
