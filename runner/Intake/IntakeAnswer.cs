using Codeur.Audit;
using Codeur.Http;
using Codeur.Runner.Observability;
using Codeur.Runner.Queue;
using Codeur.Runner.Replies;
using Codeur.Runner.Tasks;

namespace Codeur.Runner.Intake;

/// <summary>
/// Answers an intake request the way its platform expects. A Slack slash command or a Discord interaction signed
/// by the platform gets a 200 message the user sees (for refusals too: a 4xx would show them only a generic
/// failure); relays, the API and GitHub get the contract's status codes with JSON bodies, and where the platform
/// showed the user nothing, the acknowledgement or refusal also goes to the reply outbox (<see cref="TaskReplies"/>).
/// </summary>
internal sealed class IntakeAnswer(HttpContext context, string platform, CallerIdentity caller, RunnerMetrics metrics, AuditLog audit, TaskReplies replies)
{
    private static readonly TimeSpan QueueFullRetry = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StoreRetry = TimeSpan.FromSeconds(10);

    public CancellationToken Aborted => context.RequestAborted;

    public CallerIdentity Caller => caller;

    /// <summary>
    /// True when the platform itself called (signature verified) and shows our response body to the user. Not for a
    /// request from the gateway's spool: the platform had the gateway's answer long ago, so ours goes as a reply.
    /// </summary>
    private bool IsChatResponse => caller.IsSigned && !caller.Spooled && (platform == "discord" || (platform == "slack" && IsForm));

    private bool IsForm => context.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true;

    public Task PingAsync() => platform == "discord"
        ? context.Response.WriteAsJsonAsync(new { type = 1 }, Aborted)
        : context.Response.WriteAsJsonAsync(new { status = "pong" }, Aborted);

    public async Task QueuedAsync(TaskRecord task, int position)
    {
        var text = $"Task `{task.Id}` queued: `{task.Command}` in project *{task.Project}* (position {position}).";
        if (IsChatResponse)
        {
            await ChatAsync(text, visibleToChannel: true);
            return;
        }

        context.Response.StatusCode = platform == "slack" && caller.IsSigned ? StatusCodes.Status200OK : StatusCodes.Status202Accepted;
        await context.Response.WriteAsJsonAsync(new { task_id = task.Id, status = "queued", project = task.Project, queue_position = position }, RunnerJson.Options, Aborted);
    }

    /// <summary>A redelivery: 200 with the original task, never a second task.</summary>
    public async Task DuplicateAsync(TaskRecord original)
    {
        if (IsChatResponse)
        {
            await ChatAsync($"Task `{original.Id}` was already accepted ({original.State.ToName()}).", visibleToChannel: false);
            return;
        }

        await context.Response.WriteAsJsonAsync(new { task_id = original.Id, status = "duplicate", state = original.State.ToName() }, RunnerJson.Options, Aborted);
    }

    public async Task CancelRequestedAsync(TaskRecord task)
    {
        if (IsChatResponse)
        {
            await ChatAsync($"Cancelling task `{task.Id}`.", visibleToChannel: true);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteAsJsonAsync(new { task_id = task.Id, state = task.State.ToName(), cancel_requested = true }, RunnerJson.Options, Aborted);
    }

    /// <summary><c>status ID</c>: the task's state, as a chat message or JSON.</summary>
    public async Task StatusAsync(TaskRecord task, DateTimeOffset now)
    {
        if (IsChatResponse)
        {
            await ChatAsync($"Task `{task.Id}`: {task.State.ToName()} (`{task.Command}` in project *{task.Project}*).", visibleToChannel: false);
            return;
        }

        await context.Response.WriteAsJsonAsync(TaskView.From(task, now, includeOutput: false), RunnerJson.Options, Aborted);
    }

    public async Task QueueFullAsync(string requester, string? replyContext = null)
    {
        Audit(StatusCodes.Status503ServiceUnavailable, "queue full", requester, null);
        metrics.Error("queue_full");
        var text = $"the task queue is full; try again in {QueueFullRetry.TotalSeconds:0} seconds";
        if (IsChatResponse)
        {
            await ChatAsync("Refused: " + text + ".", visibleToChannel: false);
            return;
        }

        // A spooled request stays in the gateway's spool and comes again: refusing it on the platform would be untrue.
        if (!caller.Spooled)
        {
            await replies.RejectedAsync(platform, replyContext, text);
        }

        await JsonError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "the task queue is full", QueueFullRetry);
    }

    /// <summary>The store failed to take the task (e.g. its disk is full): 503 with Retry-After, nothing accepted.</summary>
    public async Task StoreUnavailableAsync(string requester, string? replyContext = null)
    {
        Audit(StatusCodes.Status503ServiceUnavailable, "the task queue could not store the task", requester, null);
        metrics.Error("queue_unavailable");
        if (IsChatResponse)
        {
            await ChatAsync($"The task queue is unavailable; try again in {StoreRetry.TotalSeconds:0} seconds.", visibleToChannel: false);
            return;
        }

        if (!caller.Spooled)
        {
            await replies.RejectedAsync(platform, replyContext, $"the task queue is unavailable; try again in {StoreRetry.TotalSeconds:0} seconds");
        }

        await JsonError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "the task queue cannot store tasks right now", StoreRetry);
    }

    public async Task RejectAsync(int status, string type, string message, string? requester, string? project = null, string? replyContext = null)
    {
        Audit(status, message, requester, project);
        metrics.Error(type);
        if (IsChatResponse)
        {
            await ChatAsync("Refused: " + message, visibleToChannel: false);
            return;
        }

        await replies.RejectedAsync(platform, replyContext, message);

        await JsonError.WriteAsync(context, status, message);
    }

    private void Audit(int status, string reason, string? requester, string? project) => audit.Write(new AuditRecord("request_rejected")
    {
        Level = "warning",
        Platform = platform,
        User = requester ?? caller.Identity,
        Project = project,
        Status = status,
        Reason = reason,
        Method = context.Request.Method,
        Path = context.Request.Path.Value,
    });

    /// <summary>Slack: a slash-command response; Discord: an interaction response of type 4 (channel message).</summary>
    private Task ChatAsync(string text, bool visibleToChannel) => platform == "discord"
        ? context.Response.WriteAsJsonAsync(new { type = 4, data = new { content = text, flags = visibleToChannel ? 0 : 64 } }, Aborted)
        : context.Response.WriteAsJsonAsync(new { response_type = visibleToChannel ? "in_channel" : "ephemeral", text }, Aborted);
}
