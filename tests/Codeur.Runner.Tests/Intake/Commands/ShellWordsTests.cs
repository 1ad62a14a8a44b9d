using Codeur.Runner.Intake.Commands;

namespace Codeur.Runner.Tests.Intake.Commands;

public sealed class ShellWordsTests
{
    [Theory]
    [InlineData("a b  c", new[] { "a", "b", "c" })]
    [InlineData("'a b' c", new[] { "a b", "c" })]
    [InlineData("\"a b\" c", new[] { "a b", "c" })]
    [InlineData("a'b c'd", new[] { "ab cd" })]
    [InlineData("'' \"\"", new[] { "", "" })]
    [InlineData("'it'\\''s'", new[] { "it's" })]
    [InlineData("\"say \\\"hi\\\" \\\\ \\n\"", new[] { "say \"hi\" \\ \\n" })]
    [InlineData("a\\ b", new[] { "a b" })]
    [InlineData("\\'a", new[] { "'a" })]
    [InlineData("'$HOME \\n'", new[] { "$HOME \\n" })]
    [InlineData("a\\\nb", new[] { "ab" })]
    [InlineData("a\tb\nc", new[] { "a", "b", "c" })]
    [InlineData("trailing\\", new[] { "trailing\\" })]
    [InlineData("'multi\nline'", new[] { "multi\nline" })]
    public void Split_PosixQuoting_GivesExpectedWords(string text, string[] expected)
    {
        var words = ShellWords.Split(text, out var error);

        Assert.Null(error);
        Assert.Equal(expected, words);
    }

    [Theory]
    [InlineData("'open")]
    [InlineData("\"open")]
    [InlineData("ok 'x' \"y")]
    public void Split_UnterminatedQuote_ReturnsError(string text)
    {
        var words = ShellWords.Split(text, out var error);

        Assert.Null(words);
        Assert.StartsWith("unterminated", error, StringComparison.Ordinal);
    }
}
