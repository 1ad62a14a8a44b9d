using System.Text.RegularExpressions;
using Codeur.Runner.Queue;
using Codeur.Runner.Replies;
using Codeur.Runner.Tests.Intake;
using Codeur.Runner.Tests.Workers;
using Microsoft.Extensions.DependencyInjection;
using static Codeur.Runner.Tests.Replies.EndingReplyTests;
using static Codeur.Runner.Tests.Replies.ReplyHarness;

namespace Codeur.Runner.Tests.Replies;

/// <summary>How replies get through: split to each platform's limits, retried on 500, 429 and hangs, kept across a restart.</summary>
public sealed partial class DeliveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Discord_LongOutput_SplitIntoMessagesOf2000WithTailAndLogPointer()
    {
        var output = string.Concat(Enumerable.Range(1, 900).Select(i => $"output line {i:0000}\n"));
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(EndingExecutor(output), extraConfig: Config(fake));

        using var response = await DiscordInteractionAsync(host, "run", "ending:failed");
        var id = await TaskIdAsync(response);
        await host.WaitForFinalAsync(id);
        var messages = await fake.WaitForAsync(_ => true, count: DiscordReplySender.MaxMessages);
        await AssertNoMoreAsync(fake, DiscordReplySender.MaxMessages);

        var contents = messages.Select(m => m.Json.GetProperty("content").GetString()!).ToList();
        Assert.All(messages, m => Assert.Equal($"/webhooks/{DiscordApplication}/{InteractionToken}", m.Path));
        Assert.All(contents, c => Assert.InRange(c.Length, 1, 2000));
        Assert.StartsWith($"Task `{id}` failed with exit code 3.", contents[0], StringComparison.Ordinal);
        Assert.EndsWith($"Full log: /api/tasks/{id}/logs", contents[^1], StringComparison.Ordinal);

        // The tail is kept: the last line is there, the first is not, and the pieces join without a gap.
        var shown = string.Concat(contents.Select(c => Regex.Match(c, "```\n(.*)\n```", RegexOptions.Singleline).Groups[1].Value));
        Assert.Contains("output line 0900", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("output line 0001\n", shown, StringComparison.Ordinal);
        Assert.StartsWith("…", shown, StringComparison.Ordinal);
        Assert.EndsWith(shown[1..], output.TrimEnd('\n'), StringComparison.Ordinal);
        Assert.InRange(shown.Length, 7000, 8000);
    }

    [Fact]
    public async Task GitHub_HugeOutput_OneCommentWithinLimitPointingAtFullLog()
    {
        var output = new string('x', 200_000) + "\nthe last line\n";
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(EndingExecutor(output), extraConfig: Config(fake, replies: "    task_api_url: \"https://agent.example.com/\""));

        using var response = await GitHubCommentAsync(host, "run --project backend ending:succeeded");
        var id = await TaskIdAsync(response);
        await host.WaitForFinalAsync(id);
        var end = (await fake.WaitForAsync(_ => true, count: 2))[1];

        var body = end.Json.GetProperty("body").GetString()!;
        Assert.InRange(body.Length, 60_000, GitHubReplySender.MaxBody);
        Assert.Contains("the last line\n```", body, StringComparison.Ordinal);
        Assert.EndsWith($"\nFull log: https://agent.example.com/api/tasks/{id}/logs", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Slack_LongOutput_SectionsOfAtMost3000Characters()
    {
        var output = string.Concat(Enumerable.Range(1, 1000).Select(i => $"line {i}\n"));
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(EndingExecutor(output), extraConfig: Config(fake));

        using var response = await SlackSlashAsync(host, "run --project backend ending:succeeded");
        var id = await TaskIdAsync(response);
        await host.WaitForFinalAsync(id);
        var end = (await fake.WaitForAsync(_ => true))[0];

        var blocks = end.Json.GetProperty("blocks").EnumerateArray().Select(b => b.GetProperty("text").GetProperty("text").GetString()!).ToList();
        Assert.InRange(blocks.Count, 3, 50);
        Assert.All(blocks, text => Assert.InRange(text.Length, 1, SlackReplySender.MaxSectionText));
        Assert.Contains("line 1000", blocks[^1], StringComparison.Ordinal);
        Assert.Equal($"Task `{id}` succeeded.", end.Json.GetProperty("text").GetString());
    }

    [Fact]
    public async Task GitHub_500ThenSuccess_RetriedAndDeliveredOnce()
    {
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(EndingExecutor(), extraConfig: Config(fake));
        fake.FailNext(500, count: 2);

        using var response = await GitHubCommentAsync(host, "run --project backend ending:succeeded");
        var id = await TaskIdAsync(response);
        await host.WaitForFinalAsync(id);

        // Ack: 500, 500, 201; then the ending: 201.
        var requests = await fake.WaitForAsync(_ => true, count: 4);
        await AssertNoMoreAsync(fake, 4);
        Assert.All(requests.Take(3), r => Assert.Contains("queued", r.Json.GetProperty("body").GetString(), StringComparison.Ordinal));
        Assert.StartsWith($"Task `{id}` succeeded.", requests[3].Json.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await host.Services.GetRequiredService<IReplyOutbox>().PendingCountAsync(Ct));
    }

    [Fact]
    public async Task Discord_429WithRetryAfter_WaitsAsToldThenDelivers()
    {
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(EndingExecutor(), extraConfig: Config(fake));
        fake.FailNext(429, retryAfterSeconds: 2);

        using var response = await DiscordInteractionAsync(host, "run", "ending:succeeded");
        await host.WaitForFinalAsync(await TaskIdAsync(response));

        var requests = await fake.WaitForAsync(_ => true, count: 2);
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromSeconds(1.9), $"retried after {(requests[1].At - requests[0].At).TotalSeconds} s");
        await AssertNoMoreAsync(fake, 2);
    }

    [Fact]
    public async Task Slack_429WithLongRetryAfter_BackToOutboxAndRetriedWhenAsked()
    {
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(EndingExecutor(), extraConfig: Config(fake));
        fake.FailNext(429, retryAfterSeconds: 7);

        using var response = await SlackSlashAsync(host, "run --project backend ending:succeeded");
        await host.WaitForFinalAsync(await TaskIdAsync(response));

        var requests = await fake.WaitForAsync(_ => true, count: 2, bound: TimeSpan.FromSeconds(30));
        var waited = requests[1].At - requests[0].At;
        Assert.True(waited >= TimeSpan.FromSeconds(6.9), $"retried after {waited.TotalSeconds} s");
        Assert.Equal(requests[0].Body, requests[1].Body);
        var metrics = await ScrapeAsync(host);
        Assert.Matches("reply_failures_total\\{[^}]*kind=\"ending\"[^}]*platform=\"slack\"[^}]*\\} 1", metrics);
    }

    [Fact]
    public async Task GitHub_HangingPlatform_AttemptTimesOutAndRetrySucceeds()
    {
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(EndingExecutor(), extraConfig: Config(fake));
        fake.HangNext();

        using var response = await GitHubCommentAsync(host, "run --project backend ending:succeeded");
        await host.WaitForFinalAsync(await TaskIdAsync(response));

        var requests = await fake.WaitForAsync(_ => true, count: 3, bound: TimeSpan.FromSeconds(30));
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromSeconds(1.9), "the second attempt came only after the 2 s attempt timeout");
        Assert.Contains("succeeded", requests[2].Json.GetProperty("body").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PendingReply_RunnerRestarts_DeliveredAfterRestart()
    {
        var directory = Directory.CreateTempSubdirectory("codeur-replies-restart-").FullName;
        try
        {
            await using var fake = await FakePlatformServer.StartAsync();
            string id;
            await using (var first = await RunnerHost.StartAsync(EndingExecutor(), extraConfig: Config(fake), directory: directory))
            {
                // Every attempt in the first life fails: the ending stays in the outbox.
                fake.FailNext(503, count: 1000);
                using var response = await DiscordInteractionAsync(first, "run", "ending:failed");
                id = await TaskIdAsync(response);
                await first.WaitForFinalAsync(id);
                await fake.WaitForAsync(_ => true, count: 3);
                Assert.Equal(1, await first.Services.GetRequiredService<IReplyOutbox>().PendingCountAsync(Ct));
            }

            fake.ClearScript();
            var failedAttempts = fake.Requests.Count;
            await using var second = await RunnerHost.StartAsync(EndingExecutor(), extraConfig: Config(fake), directory: directory);

            var delivered = (await fake.WaitForAsync(_ => true, count: failedAttempts + 1, bound: TimeSpan.FromSeconds(40)))[failedAttempts];
            Assert.Equal($"/webhooks/{DiscordApplication}/{InteractionToken}", delivered.Path);
            Assert.StartsWith($"Task `{id}` failed with exit code 3.", delivered.Json.GetProperty("content").GetString(), StringComparison.Ordinal);
            await WaitUntilAsync(async () => await second.Services.GetRequiredService<IReplyOutbox>().PendingCountAsync(Ct) == 0);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<string> ScrapeAsync(RunnerHost host)
    {
        using var metrics = await host.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri("/metrics", UriKind.Relative)));
        return await metrics.Content.ReadAsStringAsync(Ct);
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            await Task.Delay(50, deadline.Token);
        }
    }
}
