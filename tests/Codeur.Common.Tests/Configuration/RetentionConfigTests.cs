using Codeur.Configuration;

namespace Codeur.Common.Tests.Configuration;

public sealed class RetentionConfigTests
{
    [Fact]
    public void Load_NoRetentionKeys_DocumentedDefaults()
    {
        var retention = AgentConfigLoader.Load("webhook:\n  port: 8080\n", _ => null).Webhook.Queue.Retention;

        Assert.Equal(TimeSpan.FromDays(30), DurationText.Parse(retention.Tasks));
        Assert.Equal(TimeSpan.FromDays(7), DurationText.Parse(retention.Outputs));
        Assert.Equal(TimeSpan.FromDays(7), DurationText.Parse(retention.DedupeKeys));
        Assert.Equal(TimeSpan.FromDays(2), DurationText.Parse(retention.Replies));
        Assert.Equal(TimeSpan.FromMinutes(10), DurationText.Parse(retention.Interval));
        Assert.Equal(500, retention.Batch);
    }

    [Fact]
    public void Load_RetentionSpelledOut_Parsed()
    {
        const string yaml = "webhook:\n  queue:\n    retention: {tasks: 12h, outputs: 90m, dedupe_keys: 0, replies: 3600, interval: 30s, batch: 50}\n";

        var retention = AgentConfigLoader.Load(yaml, _ => null).Webhook.Queue.Retention;

        Assert.Equal(TimeSpan.FromHours(12), DurationText.Parse(retention.Tasks));
        Assert.Equal(TimeSpan.FromMinutes(90), DurationText.Parse(retention.Outputs));
        Assert.Equal(TimeSpan.Zero, DurationText.Parse(retention.DedupeKeys));
        Assert.Equal(TimeSpan.FromHours(1), DurationText.Parse(retention.Replies));
        Assert.Equal(50, retention.Batch);
    }

    [Theory]
    [InlineData("retention: {tasks: 30 days}", "webhook.queue.retention.tasks (line 3): must be a duration")]
    [InlineData("retention: {outputs: -1d}", "webhook.queue.retention.outputs (line 3)")]
    [InlineData("retention: {interval: 0}", "webhook.queue.retention.interval (line 3): must be a duration of at least 1s")]
    [InlineData("retention: {replies: 60s}", "webhook.queue.retention.replies (line 3): must be at least webhook.timeout")]
    [InlineData("retention: {batch: 0}", "webhook.queue.retention.batch (line 3)")]
    public void Load_InvalidRetention_FailsNamingKeyAndLine(string retention, string expected)
    {
        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load($"webhook:\n  queue:\n    {retention}\n", _ => null));

        Assert.Contains(expected, error.Message);
    }
}
