using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Codeur.Runner.Queue;
using Codeur.Runner.Tests.Intake;
using Codeur.Runner.Tests.Workers;
using static Codeur.Runner.Tests.Intake.RunnerHost;

namespace Codeur.Runner.Tests.Replies;

/// <summary>
/// The whole runner pointed at a <see cref="FakePlatformServer"/> for GitHub, Slack and Discord, plus the requests
/// each platform sends us. Tasks end the way their text says (<c>ending:failed</c>...), through a scripted executor.
/// </summary>
internal static partial class ReplyHarness
{
    public const string GitHubToken = "gh-test-token-0001";
    public const string SlackBotToken = "xoxb-1111-2222-slackbottoken";
    public const string DiscordBotToken = "discord-test-bot-token-0001";
    public const string DiscordApplication = "1180000000000000002";
    public const string InteractionToken = "interaction-token-1";
    public const string DiscordChannel = "1180000000000000003";
    public const string SlackHook = "/commands/T1/1/abc";

    public const string Output = "line 1\nline 2\n";

    private static int _delivery;

    public static string Config(FakePlatformServer fake, string replies = "", string webhook = "") => $$"""
          github_token: "{{GitHubToken}}"
          slack_bot_token: "{{SlackBotToken}}"
          discord_bot_token: "{{DiscordBotToken}}"
          replies:
            github_api_url: "{{fake.BaseUrl}}"
            slack_api_url: "{{fake.BaseUrl}}"
            slack_hooks_url: "{{fake.BaseUrl}}"
            discord_api_url: "{{fake.BaseUrl}}"
            request_timeout: 2
            progress_interval: 0
        {{replies}}
        {{webhook}}
        """;

    /// <summary>An executor whose task text names the ending: <c>ending:failed</c> fails with exit code 3, and so on.</summary>
    public static ScriptedExecutor EndingExecutor(string output = Output) => new((task, taskOutput, ct) =>
    {
        taskOutput.Append(output);
        var ending = task.Args.FirstOrDefault(a => a.StartsWith("ending:", StringComparison.Ordinal))?["ending:".Length..] ?? "succeeded";
        return Task.FromResult(ending switch
        {
            "succeeded" => new TaskOutcome(TaskState.Succeeded, 0, output, null),
            "failed" => new TaskOutcome(TaskState.Failed, 3, output, "the command exited with code 3"),
            "timed_out" => new TaskOutcome(TaskState.TimedOut, null, output, "the task ran past its deadline and was killed"),
            "oom_killed" => new TaskOutcome(TaskState.OomKilled, 137, output, "the task ran out of memory and was killed"),
            "output_limit" => new TaskOutcome(TaskState.OutputLimit, null, output, "the task printed more than the output limit and was killed"),
            "cancelled" => new TaskOutcome(TaskState.Cancelled, null, output, "cancelled on request"),
            "interrupted" => new TaskOutcome(TaskState.Interrupted, null, output, "the runner shut down while the task ran"),
            _ => throw new InvalidOperationException("unknown ending " + ending),
        });
    });

    /// <summary>A signed GitHub <c>issue_comment</c> on acme/backend#7 by <paramref name="login"/>; returns the response.</summary>
    public static Task<HttpResponseMessage> GitHubCommentAsync(RunnerHost host, string text, string login = "octocat")
    {
        var comment = JsonSerializer.Serialize(new
        {
            action = "created",
            issue = new { number = 7, title = "Build is red" },
            comment = new { id = 99, body = "!agent " + text, author_association = "OWNER", user = new { login, type = "User" } },
            repository = new { full_name = "acme/backend" },
            sender = new { login, type = "User" },
        });
        var request = FromGateway(HttpMethod.Post, "/webhook/github", Json(comment), identity: "github", auth: "signature", platform: "github");
        request.Headers.Add("X-GitHub-Event", "issue_comment");
        request.Headers.Add("X-GitHub-Delivery", "delivery-" + Interlocked.Increment(ref _delivery));
        return host.SendAsync(request);
    }

    /// <summary>A signed Slack slash command <c>/agent TEXT</c> by <paramref name="user"/> with a response_url on hooks.slack.com.</summary>
    public static Task<HttpResponseMessage> SlackSlashAsync(RunnerHost host, string text, string user = "U1") =>
        host.SendAsync(FromGateway(HttpMethod.Post, "/webhook/slack", Form(
            ("command", "/agent"),
            ("text", text),
            ("user_id", user),
            ("channel_id", "C1"),
            ("team_id", "T1"),
            ("trigger_id", "trigger-" + Interlocked.Increment(ref _delivery)),
            ("response_url", "https://hooks.slack.com" + SlackHook)), identity: "slack", auth: "signature", platform: "slack"));

    /// <summary>A Slack <c>app_mention</c> event (Events API): Slack shows nothing of our HTTP answer, so replies go through the Web API.</summary>
    public static Task<HttpResponseMessage> SlackMentionAsync(RunnerHost host, string text, string user = "U1") =>
        host.SendAsync(FromGateway(HttpMethod.Post, "/webhook/slack", Json(JsonSerializer.Serialize(new
        {
            type = "event_callback",
            team_id = "T1",
            event_id = "Ev" + Interlocked.Increment(ref _delivery),
            @event = new { type = "app_mention", user, text = "<@U0BOT> " + text, channel = "C1", ts = "1700000000.000100" },
        })), identity: "slack", auth: "signature", platform: "slack"));

    /// <summary>A signed Discord <c>/agent</c> interaction by <paramref name="user"/>.</summary>
    public static Task<HttpResponseMessage> DiscordInteractionAsync(RunnerHost host, string command, string? task, string? project = "backend", string user = "80351110224678912")
    {
        var options = new List<object> { new { name = "command", type = 3, value = command } };
        if (task is not null)
        {
            options.Add(new { name = "task", type = 3, value = task });
        }

        if (project is not null)
        {
            options.Add(new { name = "project", type = 3, value = project });
        }

        var interaction = JsonSerializer.Serialize(new
        {
            type = 2,
            id = "11800000000000" + Interlocked.Increment(ref _delivery).ToString("00000", System.Globalization.CultureInfo.InvariantCulture),
            application_id = DiscordApplication,
            token = InteractionToken,
            channel_id = DiscordChannel,
            member = new { user = new { id = user, username = "nelly" } },
            data = new { name = "agent", options },
        });
        return host.SendAsync(FromGateway(HttpMethod.Post, "/webhook/discord", Json(interaction), identity: "discord", auth: "signature", platform: "discord"));
    }

    /// <summary>A Discord bot relaying a channel message with a token trusted for Discord: replies go to the channel with the bot token.</summary>
    public static Task<HttpResponseMessage> DiscordRelayAsync(RunnerHost host, string content, string author = "80351110224678912") =>
        host.SendAsync(FromGateway(HttpMethod.Post, "/webhook/discord",
            Json(JsonSerializer.Serialize(new { content, author = new { id = author, username = "nelly" }, channel_id = DiscordChannel, message_id = "1180000000000009999" })),
            identity: "token:discord-relay", auth: "bearer", platform: "discord", scopes: "relay:discord trust:discord"));

    /// <summary>The task id in any intake answer: JSON <c>task_id</c>, Slack's text or Discord's content.</summary>
    public static async Task<string> TaskIdAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted, $"intake answered {(int)response.StatusCode}");
        using var body = await ReadJsonAsync(response);
        var root = body.RootElement;
        if (root.TryGetProperty("task_id", out var id))
        {
            return id.GetString()!;
        }

        var text = root.TryGetProperty("text", out var slack) ? slack.GetString()! : root.GetProperty("data").GetProperty("content").GetString()!;
        return TaskIdInText().Match(text) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException("no task id in " + text);
    }

    /// <summary>The headline and facts every ending reply starts with, as a user reads them.</summary>
    public static string EndingHead(TaskRecord task, string headline)
    {
        var seconds = (int)Math.Round((task.FinishedAt!.Value - task.StartedAt!.Value).TotalSeconds);
        return $"{headline}\nCommand: `run` in project *backend*\nDuration: {seconds}s";
    }

    [GeneratedRegex("Task `([0-9a-f]+)`")]
    private static partial Regex TaskIdInText();
}
