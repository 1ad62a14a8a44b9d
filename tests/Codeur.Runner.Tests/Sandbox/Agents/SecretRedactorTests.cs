using System.Text;
using Codeur.Runner.Sandbox.Agents;

namespace Codeur.Runner.Tests.Sandbox.Agents;

public sealed class SecretRedactorTests
{
    private static readonly string[] Secrets = ["sk-live-0123456789", "tok-abcdef"];

    [Fact]
    public void Redact_WholeText_MasksEveryOccurrence()
    {
        var text = SecretRedactor.Redact("key=sk-live-0123456789 and tok-abcdef, again sk-live-0123456789", Secrets);

        Assert.Equal("key=[redacted] and [redacted], again [redacted]", text);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(100)]
    public void Push_SecretSplitAcrossChunks_NeverShownAndTextOtherwiseIntact(int chunkSize)
    {
        const string input = "progress: calling api with sk-live-0123456789\nthen tok-abcdef done; tail sk-live-01234";
        var redactor = new SecretRedactor(Secrets);
        var shown = new StringBuilder();

        for (var i = 0; i < input.Length; i += chunkSize)
        {
            var piece = redactor.Push(input.Substring(i, Math.Min(chunkSize, input.Length - i)));
            Assert.DoesNotContain("sk-live-0123456789", shown + piece, StringComparison.Ordinal);
            shown.Append(piece);
        }

        shown.Append(redactor.Flush());
        Assert.Equal("progress: calling api with [redacted]\nthen [redacted] done; tail sk-live-01234", shown.ToString());
    }

    [Fact]
    public void Push_NoSecrets_PassesChunksThroughAtOnce()
    {
        var redactor = new SecretRedactor([]);

        Assert.Equal("abc", redactor.Push("abc"));
        Assert.Equal("", redactor.Flush());
    }
}
