using Codeur.Runner.Intake.Commands;

namespace Codeur.Runner.Tests.Intake.Commands;

public sealed class TextSanitizerTests
{
    [Theory]
    [InlineData("a\u200Bb\u200Cc\u200Dd\u2060e", "abcde")]
    [InlineData("\uFEFFstart", "start")]
    [InlineData("\u202Aa\u202Bb\u202Cc\u202Dd\u202Ee", "abcde")]
    [InlineData("\u2066a\u2067b\u2068c\u2069", "abc")]
    [InlineData("\u200E\u200Fx\u061C", "x")]
    [InlineData("bell\u0007 nul\u0000 esc\u001B[31m del\u007F c1\u0085", "bell nul esc[31m del c1")]
    public void Sanitize_InvisibleAndControlCharacters_Removed(string text, string expected)
    {
        Assert.Equal(expected, TextSanitizer.Sanitize(text));
    }

    [Fact]
    public void Sanitize_TagCharacters_Removed()
    {
        // "ignore" smuggled as Unicode tag characters (the ASCII-smuggling attack on LLMs).
        var smuggled = string.Concat("ignore".Select(c => char.ConvertFromUtf32(0xE0000 + c)));

        Assert.Equal("visible", TextSanitizer.Sanitize("vis" + char.ConvertFromUtf32(0xE0001) + smuggled + "ible" + char.ConvertFromUtf32(0xE007F)));
    }

    [Theory]
    [InlineData("a<!-- hidden -->b", "ab")]
    [InlineData("a<!--\nmulti\nline\n-->b<!--x-->c", "abc")]
    [InlineData("visible<!-- never closed, hides the rest", "visible")]
    [InlineData("a <!-> b --> c", "a <!-> b --> c")]
    public void Sanitize_HtmlComments_Removed(string text, string expected)
    {
        Assert.Equal(expected, TextSanitizer.Sanitize(text));
    }

    [Fact]
    public void Sanitize_NewlinesTabsAndVisibleUnicode_Kept()
    {
        Assert.Equal("line1\nline2\n\tcafé ✓ 日本 😀", TextSanitizer.Sanitize("line1\r\nline2\r\tcafé ✓ 日本 😀"));
    }

    [Fact]
    public void Sanitize_UnicodeLineSeparators_BecomeNewlines()
    {
        Assert.Equal("a\nb\nc", TextSanitizer.Sanitize("a\u2028b\u2029c"));
    }

    [Fact]
    public void Sanitize_LoneSurrogate_Removed()
    {
        Assert.Equal("ab", TextSanitizer.Sanitize("a\uD800b"));
    }
}
