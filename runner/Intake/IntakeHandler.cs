using System.Buffers;
using Codeur.Audit;
using Codeur.Runner.Intake.Commands;
using Codeur.Runner.Intake.Platforms;
using Codeur.Runner.Observability;
using Codeur.Runner.Queue;
using Codeur.Runner.Replies;
using Codeur.Runner.Tasks;
using Codeur.Runner.Workers;

namespace Codeur.Runner.Intake;

/// <summary>
/// One intake request: read the payload, let <see cref="IntakePipeline"/> decide, then enqueue (the task is on disk
/// before any 2xx leaves), cancel or report a task, or refuse, each in the form the platform expects (<see cref="IntakeAnswer"/>).
/// </summary>
internal sealed partial class IntakeHandler(
    IntakePipeline pipeline,
    AcknowledgedEnqueue enqueue,
    TaskCancellation tasks,
    WorkSignal signal,
    RunnerMetrics metrics,
    AuditLog audit,
    TaskReplies replies,
    TimeProvider time,
    ILogger<IntakeHandler> logger)
{
    private const int MaxBody = 25 * 1024 * 1024;

    public async Task AcceptAsync(HttpContext context, string platform)
    {
        var caller = CallerIdentity.From(context);
        var answer = new IntakeAnswer(context, platform, caller, metrics, audit, replies);
        metrics.Request(platform);

        var body = await ReadBodyAsync(context);
        if (body is null)
        {
            await answer.RejectAsync(StatusCodes.Status413PayloadTooLarge, "payload_too_large", "request body too large", null);
            return;
        }

        var headers = context.Request.Headers;
        var request = new PlatformRequest(body.Value, context.Request.ContentType, name => headers[name].FirstOrDefault(), caller.Identity, caller.IsSigned);
        IntakeResult read;
        using (RunnerTracing.Source.StartActivity("parse"))
        {
            read = pipeline.Read(platform, request);
        }

        switch (read)
        {
            case IntakeResult.Invalid invalid:
                await answer.RejectAsync(invalid.StatusCode, "bad_request", invalid.Message, null);
                return;
            case IntakeResult.Ignored ignored:
                await IgnoreAsync(context, platform, caller.Identity, ignored.Reason);
                return;
            case IntakeResult.Ping:
                await answer.PingAsync();
                return;
            case IntakeResult.Challenge challenge:
                await context.Response.WriteAsJsonAsync(new { challenge = challenge.Value }, RunnerJson.Options, context.RequestAborted);
                return;
            case IntakeResult.Addressed message:
                await DecideAsync(context, caller, message, answer);
                return;
        }
    }

    private async Task DecideAsync(HttpContext context, CallerIdentity caller, IntakeResult.Addressed message, IntakeAnswer answer)
    {
        switch (pipeline.Decide(caller, message))
        {
            case IntakeDecision.Ignored ignored:
                await IgnoreAsync(context, message.Template.Platform, caller.Identity, ignored.Reason);
                return;
            case IntakeDecision.Refused refused:
                await answer.RejectAsync(refused.Error.StatusCode, ErrorType(refused.Error.StatusCode), refused.Error.Message, refused.Requester, refused.Project, refused.ReplyContext);
                return;
            case IntakeDecision.TaskCommand command:
                Received(command.Request);
                await TaskCommandAsync(command, answer);
                return;
            case IntakeDecision.Accepted accepted:
                Received(accepted.Request);
                await EnqueueAsync(context, accepted.Task, answer);
                return;
        }
    }

    private async Task EnqueueAsync(HttpContext context, NewTask task, IntakeAnswer answer)
    {
        // A platform's own delivery id wins (the platform may redeliver too); else the gateway's request id, which a
        // request forwarded again from its spool carries unchanged.
        if (task.DedupeKey is null && answer.Caller.RequestId is { } requestId)
        {
            task = task with { DedupeKey = "request:" + requestId };
        }

        EnqueueResult result;
        try
        {
            result = await enqueue.EnqueueAsync(task, context.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The store cannot take the task (disk full, database locked or gone): nothing was promised, so the caller
            // hears 503 with Retry-After and may try again, rather than a 500 for a condition that will clear.
            Log.EnqueueFailed(logger, task.Platform, ex);
            await answer.StoreUnavailableAsync(task.Requester, task.ReplyContext);
            return;
        }

        switch (result.Status)
        {
            case EnqueueStatus.Full:
                await answer.QueueFullAsync(task.Requester, task.ReplyContext);
                return;
            case EnqueueStatus.Duplicate:
                await answer.DuplicateAsync(result.Task!);
                return;
        }

        var created = result.Task!;

        // The acknowledgement was stored with the task (AcknowledgedEnqueue), ahead of any ending in the outbox.
        signal.Notify();
        audit.Write(new AuditRecord("task_queued")
        {
            Platform = created.Platform,
            User = created.Requester,
            Task = created.Command,
            Project = created.Project,
            TaskId = created.Id,
        });
        await answer.QueuedAsync(created, result.QueuePosition);
    }

    /// <summary>
    /// <c>cancel ID</c> and <c>status ID</c> from chat or a relay: the same <see cref="TaskCancellation"/> as the API, so a
    /// task the caller may not touch is "no task ID" exactly like a missing one. The ending reply ("cancelled") goes where
    /// the task's own replies go.
    /// </summary>
    private async Task TaskCommandAsync(IntakeDecision.TaskCommand command, IntakeAnswer answer)
    {
        var request = command.Request;
        var id = request.Args.Count > 0 ? request.Args[0] : null;
        if (id is null)
        {
            await answer.RejectAsync(StatusCodes.Status422UnprocessableEntity, "unprocessable", "cancel needs a task id", request.Requester, replyContext: request.ReplyContext);
            return;
        }

        if (request.Command == "status")
        {
            if (await tasks.FindAsync(id, command.Caller, answer.Aborted) is { } found)
            {
                await answer.StatusAsync(found, time.GetUtcNow());
                return;
            }

            await answer.RejectAsync(StatusCodes.Status404NotFound, "not_found", $"no task {Short(id)}", request.Requester, replyContext: request.ReplyContext);
            return;
        }

        var outcome = await tasks.CancelAsync(id, command.Caller, answer.Aborted);
        switch (outcome.Status)
        {
            case CancelStatus.NotFound:
                await answer.RejectAsync(StatusCodes.Status404NotFound, "not_found", $"no task {Short(id)}", request.Requester, replyContext: request.ReplyContext);
                return;
            case CancelStatus.AlreadyEnded:
                await answer.RejectAsync(StatusCodes.Status409Conflict, "conflict", $"task {outcome.Task!.Id} already ended: {outcome.Task.State.ToName()}", request.Requester, replyContext: request.ReplyContext);
                return;
            default:
                await answer.CancelRequestedAsync(outcome.Task!);
                return;
        }
    }

    private void Received(CommandRequest request) =>
        audit.Write(new AuditRecord("webhook_received") { Platform = request.Platform, User = request.Requester, Task = request.Command, Project = request.ProjectHint });

    private async Task IgnoreAsync(HttpContext context, string platform, string identity, string reason)
    {
        audit.Write(new AuditRecord("webhook_received") { Platform = platform, User = identity, Reason = "ignored: " + reason });
        await context.Response.WriteAsJsonAsync(new { status = "ignored", reason }, RunnerJson.Options, context.RequestAborted);
    }

    private static string Short(string value) => value.Length > 40 ? value[..40] + "…" : value;

    private static string ErrorType(int status) => status switch
    {
        StatusCodes.Status403Forbidden => "forbidden",
        StatusCodes.Status404NotFound => "not_found",
        StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
        StatusCodes.Status422UnprocessableEntity => "unprocessable",
        _ => "bad_request",
    };

    /// <summary>The raw body, up to 25 MiB (the gateway enforces the per-route limits); null when larger.</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(context.RequestAborted);
            if (read.Buffer.Length > MaxBody)
            {
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                return null;
            }

            if (read.IsCompleted)
            {
                var bytes = read.Buffer.ToArray();
                reader.AdvanceTo(read.Buffer.End);
                return bytes;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(400, LogLevel.Error, "The task queue could not store a task from {Platform}; answered 503")]
        public static partial void EnqueueFailed(ILogger logger, string platform, Exception exception);
    }
}
