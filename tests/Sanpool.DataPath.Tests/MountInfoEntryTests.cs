
namespace Sanpool.DataPath.Tests;

public class MountInfoEntryTests
{
    private const string Golden =
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n" +
        "97 22 0:52 / /run/sanpool/a\\040b rw,nosuid,nodev,relatime shared:50 master:3 - fuse.sanpool sanpool rw,user_id=0,group_id=0,allow_other\n" +
        "98 22 0:53 / /tmp/x rw,relatime - tmpfs tmpfs rw\n" +
        "garbage line\n";

    [Fact]
    public void Lines_are_split_at_the_separator_whatever_the_number_of_optional_fields()
    {
        var entries = MountInfoEntry.Parse(Golden);

        Assert.Equal(
            [
                new MountInfoEntry(22, "/", "ext4", "/dev/sda1"),
                new MountInfoEntry(97, "/run/sanpool/a b", "fuse.sanpool", "sanpool"),
                new MountInfoEntry(98, "/tmp/x", "tmpfs", "tmpfs"),
            ],
            entries);
    }

    [Theory]
    [InlineData(@"/a\040b", "/a b")]
    [InlineData(@"/a\011b\012c\134d", "/a\tb\nc\\d")]
    [InlineData(@"/\303\251", "/é")]
    [InlineData(@"/trailing\04", @"/trailing\04")]
    public void Octal_escapes_are_decoded_as_utf8_bytes(string field, string path)
    {
        Assert.Equal(path, MountInfoEntry.Unescape(field));
    }
}
