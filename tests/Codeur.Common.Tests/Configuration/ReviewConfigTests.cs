using Codeur.Configuration;

namespace Codeur.Common.Tests.Configuration;

public sealed class ReviewConfigTests
{
    [Fact]
    public void Load_ReviewKeys_ReadAtSandboxAndProjectLevel()
    {
        var config = AgentConfigLoader.Load("""
            webhook:
              project_mapping:
                - {pattern: api, path: /srv/api, review_prompt: "Check the API contract"}
              sandbox: {agent: claude-code, review: true, review_prompt: "Review for security"}
            """, _ => null);

        Assert.True(config.Webhook.Sandbox.Review);
        Assert.Equal("Review for security", config.Webhook.Sandbox.ReviewPrompt);
        Assert.Equal("Check the API contract", config.Webhook.ProjectMapping[0].ReviewPrompt);
    }

    [Fact]
    public void Load_NoReviewKeys_ReviewsOnWithTheDefaultPrompt()
    {
        var sandbox = AgentConfigLoader.Load("webhook: {}\n", _ => null).Webhook.Sandbox;

        Assert.True(sandbox.Review);
        Assert.Equal(SandboxSection.DefaultReviewPrompt, sandbox.ReviewPrompt);
    }

    [Theory]
    [InlineData("sandbox: {review_prompt: \"  \"}", "webhook.sandbox.review_prompt")]
    [InlineData("project_mapping: [{pattern: api, path: /srv/api, review_prompt: \"\"}]", "webhook.project_mapping[0].review_prompt")]
    public void Load_BlankReviewPrompt_FailsNamingTheKey(string yaml, string key)
    {
        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load("webhook:\n  " + yaml + "\n", _ => null));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }
}
