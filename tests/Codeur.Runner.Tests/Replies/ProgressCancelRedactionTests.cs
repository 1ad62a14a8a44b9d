using System.Net;
using System.Text.Json.Nodes;
using Codeur.Runner.Queue;
using Codeur.Runner.Replies;
using Codeur.Runner.Tests.Intake;
using Codeur.Runner.Tests.Workers;
using Microsoft.Data.Sqlite;
using static Codeur.Runner.Tests.Replies.EndingReplyTests;
using static Codeur.Runner.Tests.Replies.ReplyHarness;

namespace Codeur.Runner.Tests.Replies;

/// <summary>Progress edits of the acknowledgement, cancel from chat (requester and admins), and secrets masked in what is posted and stored.</summary>
public sealed class ProgressCancelRedactionTests
{
    private const string Progress = "    progress_interval: 1";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Prints a line, then runs until released or cancelled.</summary>
    private static ScriptedExecutor LongRunning(TaskCompletionSource release) => new((_, output, ct) =>
    {
        output.Append("compiling\nstep 1 of 3\nstep 2 of 3\n");
        return ScriptedExecutor.UntilReleased(release.Task, output, ct);
    });

    [Fact]
    public async Task GitHub_LongTask_AckCommentEditedWithElapsedTimeAndLastLines()
    {
        var release = new TaskCompletionSource();
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(LongRunning(release), extraConfig: Config(fake).Replace("    progress_interval: 0", Progress, StringComparison.Ordinal));

        using var response = await GitHubCommentAsync(host, "run --project backend long job");
        var id = await TaskIdAsync(response);
        var edit = (await fake.WaitForAsync(r => r.Method == "PATCH"))[0];
        release.SetResult();
        await host.WaitForFinalAsync(id);
        var ending = (await fake.WaitForAsync(r => r.Method == "POST", count: 2))[1];

        var ack = fake.Requests[0];
        Assert.Equal($"/repos/acme/backend/issues/comments/{ack.Id}", edit.Path);
        AssertGitHubHeaders(edit);
        var body = edit.Json.GetProperty("body").GetString()!;
        Assert.Matches($"^Task `{id}` running for [0-9]+s: `run` in project \\*backend\\*\\.\n```\ncompiling\nstep 1 of 3\nstep 2 of 3\n```\nFull log: /api/tasks/{id}/logs$", body);
        Assert.StartsWith($"Task `{id}` succeeded.", ending.Json.GetProperty("body").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discord_LongTask_OriginalResponseEdited()
    {
        var release = new TaskCompletionSource();
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(LongRunning(release), extraConfig: Config(fake).Replace("    progress_interval: 0", Progress, StringComparison.Ordinal));

        using var response = await DiscordInteractionAsync(host, "run", "long job");
        var id = await TaskIdAsync(response);
        var edit = (await fake.WaitForAsync(r => r.Method == "PATCH"))[0];
        release.SetResult();
        await host.WaitForFinalAsync(id);

        Assert.Equal($"/webhooks/{DiscordApplication}/{InteractionToken}/messages/@original", edit.Path);
        Assert.StartsWith($"Task `{id}` running for ", edit.Json.GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Contains("step 2 of 3", edit.Json.GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, edit.Json.GetProperty("allowed_mentions").GetProperty("parse").GetArrayLength());
    }

    [Fact]
    public async Task Slack_LongTask_ReplaceOriginalAtMostThreeTimesThenEnding()
    {
        var release = new TaskCompletionSource();
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(LongRunning(release), extraConfig: Config(fake).Replace("    progress_interval: 0", Progress, StringComparison.Ordinal));

        using var response = await SlackSlashAsync(host, "run --project backend long job");
        var id = await TaskIdAsync(response);
        await fake.WaitForAsync(_ => true, count: 3);

        // response_url takes 5 posts in 30 minutes: three progress edits leave room for the ending.
        await Task.Delay(TimeSpan.FromSeconds(2.5), Ct);
        release.SetResult();
        await host.WaitForFinalAsync(id);
        var requests = await fake.WaitForAsync(_ => true, count: 4);
        await AssertNoMoreAsync(fake, 4);

        Assert.All(requests, r => Assert.Equal(SlackHook, r.Path));
        Assert.All(requests.Take(3), r =>
        {
            Assert.True(r.Json.GetProperty("replace_original").GetBoolean());
            Assert.StartsWith($"Task `{id}` running for ", r.Json.GetProperty("text").GetString(), StringComparison.Ordinal);
        });
        Assert.False(requests[3].Json.GetProperty("replace_original").GetBoolean());
        Assert.Equal("in_channel", requests[3].Json.GetProperty("response_type").GetString());
        Assert.Equal($"Task `{id}` succeeded.", requests[3].Json.GetProperty("text").GetString());
    }

    [Fact]
    public async Task SlackCancel_ByRequester_KilledAndAnsweredCancelled()
    {
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct));
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(executor, extraConfig: Config(fake));
        using var created = await SlackSlashAsync(host, "run --project backend long job");
        var id = await TaskIdAsync(created);
        await executor.WhenStarted(id).WaitAsync(RunnerHost.Bound, Ct);

        using var cancel = await SlackSlashAsync(host, $"cancel {id}");

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        using var answer = await RunnerHost.ReadJsonAsync(cancel);
        Assert.Equal($"Cancelling task `{id}`.", answer.RootElement.GetProperty("text").GetString());
        Assert.Equal(TaskState.Cancelled, (await host.WaitForFinalAsync(id)).State);
        var ending = (await fake.WaitForAsync(_ => true))[0];
        Assert.Equal(SlackHook, ending.Path);
        Assert.Equal($"Task `{id}` cancelled.", ending.Json.GetProperty("text").GetString());
    }

    [Fact]
    public async Task DiscordCancel_ByOtherUserThenByAdmin_RefusedThenCancelled()
    {
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct));
        await using var fake = await FakePlatformServer.StartAsync();
        var admins = "    admins: {discord: [\"555000000000000001\"]}";
        await using var host = await RunnerHost.StartAsync(executor, extraConfig: Config(fake, replies: admins));
        using var created = await DiscordInteractionAsync(host, "run", "long job");
        var id = await TaskIdAsync(created);
        await executor.WhenStarted(id).WaitAsync(RunnerHost.Bound, Ct);

        using var outsider = await DiscordInteractionAsync(host, "cancel", id, project: null, user: "444000000000000001");
        using var admin = await DiscordInteractionAsync(host, "cancel", id, project: null, user: "555000000000000001");

        using var refused = await RunnerHost.ReadJsonAsync(outsider);
        Assert.Equal($"Refused: no task {id}", refused.RootElement.GetProperty("data").GetProperty("content").GetString());
        using var accepted = await RunnerHost.ReadJsonAsync(admin);
        Assert.Equal($"Cancelling task `{id}`.", accepted.RootElement.GetProperty("data").GetProperty("content").GetString());
        Assert.Equal(TaskState.Cancelled, (await host.WaitForFinalAsync(id)).State);
        var ending = (await fake.WaitForAsync(_ => true))[0];
        Assert.Equal($"/webhooks/{DiscordApplication}/{InteractionToken}", ending.Path);
        Assert.StartsWith($"Task `{id}` cancelled.", ending.Json.GetProperty("content").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GitHubCancel_QueuedTask_CancelledAtOnceAndAnsweredOnItsIssue()
    {
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct));
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(executor, workers: 1, extraConfig: Config(fake));
        var running = await host.PostTaskAsync("occupies the project");
        await executor.WhenStarted(running).WaitAsync(RunnerHost.Bound, Ct);
        using var created = await GitHubCommentAsync(host, "run --project backend waits its turn");
        var id = await TaskIdAsync(created);

        using var cancel = await GitHubCommentAsync(host, $"cancel {id}");

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal(TaskState.Cancelled, (await host.WaitForFinalAsync(id)).State);
        var requests = await fake.WaitForAsync(_ => true, count: 2);
        Assert.Equal($"Task `{id}` queued: `run` in project *backend* (position 1).", requests[0].Json.GetProperty("body").GetString());
        Assert.Equal("/repos/acme/backend/issues/7/comments", requests[1].Path);
        Assert.StartsWith($"Task `{id}` cancelled.\nCommand: `run` in project *backend*", requests[1].Json.GetProperty("body").GetString(), StringComparison.Ordinal);
        await AssertNoMoreAsync(fake, 2);
    }

    [Fact]
    public async Task Ending_OutputWithSecrets_MaskedInPostedReplyAndOutbox()
    {
        string[] secrets =
        [
            "ghp_" + new string('k', 36),
            "github_pat_11AAAAAAA0bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
            "xoxb-2222222222-3333333333-abcdefghijklmnop",
            GitHubToken,
            "token-given-to-the-sandbox",
        ];
        var output = string.Join('\n', secrets.Select((s, i) => $"secret {i}: {s}")) + "\nAuthorization: Bearer abcdefghijklmnopqrstuvwxyz012345\n";
        await using var fake = await FakePlatformServer.StartAsync();
        await using var host = await RunnerHost.StartAsync(EndingExecutor(output), extraConfig: Config(fake, replies: "    redact: [\"token-given-to-the-sandbox\"]"));

        using var response = await GitHubCommentAsync(host, "run --project backend leak");
        var id = await TaskIdAsync(response);
        await host.WaitForFinalAsync(id);
        var body = (await fake.WaitForAsync(_ => true, count: 2))[1].Json.GetProperty("body").GetString()!;

        Assert.Contains("secret 0: [redacted]\nsecret 1: [redacted]\nsecret 2: [redacted]\nsecret 3: [redacted]\nsecret 4: [redacted]\nAuthorization: Bearer [redacted]\n```", body, StringComparison.Ordinal);
        var stored = await ReadOutboxContentAsync(host);
        Assert.All(secrets, secret =>
        {
            Assert.DoesNotContain(secret, body, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task RunnerStops_RunningTaskInterrupted_UserToldBeforeTheRunnerExits()
    {
        var executor = new ScriptedExecutor((_, output, ct) => ScriptedExecutor.UntilReleased(ScriptedExecutor.Never, output, ct));
        await using var fake = await FakePlatformServer.StartAsync();
        var host = await RunnerHost.StartAsync(executor, extraConfig: Config(fake));
        string id;
        try
        {
            using var response = await DiscordInteractionAsync(host, "run", "long job");
            id = await TaskIdAsync(response);
            await executor.WhenStarted(id).WaitAsync(RunnerHost.Bound, Ct);
        }
        finally
        {
            // shutdown_grace is 0 in the test host: the stop interrupts the task at once.
            await host.DisposeAsync();
        }

        var reply = Assert.Single(fake.Requests);
        Assert.Equal($"/webhooks/{DiscordApplication}/{InteractionToken}", reply.Path);
        Assert.StartsWith($"Task `{id}` interrupted: the runner stopped while it ran; it was not re-run", reply.Json.GetProperty("content").GetString(), StringComparison.Ordinal);
    }

    private static async Task<string> ReadOutboxContentAsync(RunnerHost host)
    {
        var path = ((SqliteTaskQueue)host.Services.GetService(typeof(SqliteTaskQueue))!).DatabasePath;
        await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(Ct);
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT group_concat(content, '\n') FROM replies;";
        return (string)(await select.ExecuteScalarAsync(Ct))!;
    }
}
