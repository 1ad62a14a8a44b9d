using Codeur.Runner.Replies;

namespace Codeur.Runner.Tests.Replies;

public sealed class ReplyTextTests
{
    [Fact]
    public void Render_ShortOutput_OneMessageWithFencedOutput()
    {
        var content = new ReplyContent { Headline = "Task `t` failed with exit code 1.", Details = ["Command: `run`"], Output = "boom\n", LogUrl = "/api/tasks/t/logs" };

        var messages = ReplyText.Render(content, 2000, 4);

        Assert.Equal(["Task `t` failed with exit code 1.\nCommand: `run`\n```\nboom\n```"], messages);
    }

    [Theory]
    [InlineData(2000, 4)]
    [InlineData(3000, 12)]
    [InlineData(65_536, 1)]
    public void Render_OutputPastTheLimit_EveryMessageWithinItTailKeptPointerLast(int limit, int maxMessages)
    {
        var output = string.Concat(Enumerable.Range(0, 20_000).Select(i => $"{i}\n"));
        var content = new ReplyContent { Headline = "Task `t` succeeded.", Output = output, LogUrl = "https://x/api/tasks/t/logs" };

        var messages = ReplyText.Render(content, limit, maxMessages);

        Assert.InRange(messages.Count, 1, maxMessages);
        Assert.All(messages, m => Assert.InRange(m.Length, 1, limit));
        Assert.EndsWith("19999\n```\nFull log: https://x/api/tasks/t/logs", messages[^1], StringComparison.Ordinal);
        Assert.StartsWith("Task `t` succeeded.\n```\n…", messages[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Render_OutputWithFence_CannotCloseOurCodeBlock()
    {
        var content = new ReplyContent { Headline = "h", Output = "```\n@everyone\n```" };

        var message = Assert.Single(ReplyText.Render(content, 2000, 1));

        // Only our opening and closing fences remain; the output's own are broken up with a zero-width space.
        Assert.Equal(2, message.Split("```").Length - 1);
        Assert.StartsWith("h\n```\n", message, StringComparison.Ordinal);
        Assert.EndsWith("\n```", message, StringComparison.Ordinal);
        Assert.Contains("@everyone", message, StringComparison.Ordinal);
    }
}
