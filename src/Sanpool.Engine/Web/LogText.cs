using System.Text;

namespace Sanpool.Engine.Web;

/// <summary>Text from a request made safe for a log line: control characters as \xNN, cut at a length.</summary>
internal static class LogText
{
    public static string Printable(string? text, int max = 100)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var sb = new StringBuilder(Math.Min(text.Length, max) + 8);
        foreach (char c in text.Length > max ? text[..max] : text)
        {
            if (char.IsControl(c))
            {
                sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                sb.Append(c);
            }
        }

        return text.Length > max ? sb.Append("...").ToString() : sb.ToString();
    }
}
