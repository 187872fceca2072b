using System.Text;
using FakeMx.Smtp;

namespace FakeMx.Tests.Smtp;

public sealed class ClientTextTests
{
    [Theory]
    [InlineData("plain.example", "plain.example")]
    [InlineData("a\u0000b", "a\\x00b")]
    [InlineData("tab\there", "tab\\x09here")]
    [InlineData("esc\u001b[2J", "esc\\x1B[2J")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("del\u007f", "del\\x7F")]
    [InlineData("c1\u0085", "c1\\x85")]
    [InlineData("пример.рф", "пример.рф")]
    public void Control_characters_are_escaped_and_UTF8_is_kept(string input, string expected)
    {
        Assert.Equal(expected, ClientText.Sanitize(Encoding.UTF8.GetBytes(input)));
    }

    [Fact]
    public void Invalid_UTF8_bytes_are_shown_as_hex()
    {
        Assert.Equal("a\\xFF\\xC3b", ClientText.Sanitize([(byte)'a', 0xFF, 0xC3, (byte)'b']));
    }

    [Fact]
    public void Long_text_is_truncated_with_a_visible_mark()
    {
        var text = ClientText.Sanitize(Encoding.ASCII.GetBytes(new string('x', 1000)), 10);

        Assert.Equal("xxxxxxxxxx...", text);
    }
}
