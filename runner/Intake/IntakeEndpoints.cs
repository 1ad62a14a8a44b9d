using System.Buffers;
using Codeur.Audit;
using Codeur.Http;
using Codeur.Runner.Commands;
using Codeur.Runner.Observability;
using Codeur.Runner.Platforms;
using Codeur.Runner.Queue;
using Codeur.Runner.Replies;
using Codeur.Runner.Tasks;
using Codeur.Runner.Workers;

namespace Codeur.Runner.Intake;

/// <summary>
/// <c>POST /webhook/{github,slack,discord}</c> and <c>POST /api/tasks</c>: payload → command → policy and routing →
/// durable queue, then the answer each platform expects. A task is on disk before any 2xx leaves.
/// </summary>
internal static partial class IntakeEndpoints
{
    private const int MaxBody = 25 * 1024 * 1024;

    public static IEndpointRouteBuilder MapIntake(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/webhook/{platform:regex(^(github|slack|discord)$)}", (HttpContext context, string platform) => AcceptAsync(context, platform));
        endpoints.MapPost("/api/tasks", (HttpContext context) => AcceptAsync(context, "api"));
        return endpoints;
    }

    private static async Task AcceptAsync(HttpContext context, string platform)
    {
        var services = context.RequestServices;
        var pipeline = services.GetRequiredService<IntakePipeline>();
        var queue = services.GetRequiredService<ITaskQueue>();
        var metrics = services.GetRequiredService<RunnerMetrics>();
        var audit = services.GetRequiredService<AuditLog>();
        var caller = CallerIdentity.From(context);
        var answer = new IntakeAnswer(context, platform, caller, metrics, audit, services.GetService<TaskReplies>());
        metrics.Request(platform);

        var body = await ReadBodyAsync(context);
        if (body is null)
        {
            await answer.RejectAsync(StatusCodes.Status413PayloadTooLarge, "payload_too_large", "request body too large", null);
            return;
        }

        var headers = context.Request.Headers;
        var request = new PlatformRequest(body.Value, context.Request.ContentType, name => headers[name].FirstOrDefault(), caller.Identity);
        IntakeResult parsed;
        using (RunnerTracing.Source.StartActivity("parse"))
        {
            parsed = pipeline.Parse(platform, request);
        }

        switch (parsed)
        {
            case IntakeResult.Invalid invalid:
                await answer.RejectAsync(invalid.StatusCode, "bad_request", invalid.Message, null);
                return;
            case IntakeResult.Ignored ignored:
                audit.Write(new AuditRecord("webhook_received") { Platform = platform, User = caller.Identity, Reason = "ignored: " + ignored.Reason });
                await context.Response.WriteAsJsonAsync(new { status = "ignored", reason = ignored.Reason }, RunnerJson.Options, context.RequestAborted);
                return;
            case IntakeResult.Ping:
                await answer.PingAsync();
                return;
            case IntakeResult.Challenge challenge:
                await context.Response.WriteAsJsonAsync(new { challenge = challenge.Value }, RunnerJson.Options, context.RequestAborted);
                return;
            case IntakeResult.Rejected rejected:
                await answer.RejectAsync(rejected.Error.StatusCode, ErrorType(rejected.Error.StatusCode), rejected.Error.Message, rejected.Requester, replyContext: rejected.ReplyContext);
                return;
            case IntakeResult.Command command:
                await EnqueueAsync(context, command.Request, pipeline, queue, answer, services);
                return;
        }
    }

    private static async Task EnqueueAsync(HttpContext context, CommandRequest command, IntakePipeline pipeline, ITaskQueue queue, IntakeAnswer answer, IServiceProvider services)
    {
        var audit = services.GetRequiredService<AuditLog>();
        audit.Write(new AuditRecord("webhook_received") { Platform = command.Platform, User = command.Requester, Task = command.Command, Project = command.ProjectHint });
        if (command.Command == "cancel")
        {
            await CancelAsync(command, queue, answer, services);
            return;
        }

        var decision = pipeline.Decide(command);
        if (decision.Task is not { } task)
        {
            await answer.RejectAsync(decision.Error!.StatusCode, ErrorType(decision.Error.StatusCode), decision.Error.Message, command.Requester, decision.Project, command.ReplyContext);
            return;
        }

        EnqueueResult result;
        try
        {
            result = await RunnerTracing.EnqueueAsync(queue, task, context.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The store cannot take the task (disk full, database locked or gone): nothing was promised, so the caller
            // hears 503 with Retry-After and may try again, rather than a 500 for a condition that will clear.
            Log.EnqueueFailed(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(IntakeEndpoints)), command.Platform, ex);
            await answer.StoreUnavailableAsync(command.Requester, command.ReplyContext);
            return;
        }

        switch (result.Status)
        {
            case EnqueueStatus.Full:
                await answer.QueueFullAsync(command.Requester, command.ReplyContext);
                return;
            case EnqueueStatus.Duplicate:
                await answer.DuplicateAsync(result.Task!);
                return;
        }

        var created = result.Task!;

        // The acknowledgement is stored before a worker is woken, so it is ahead of the ending in the outbox.
        await answer.AcknowledgeAsync(created, result.QueuePosition);
        services.GetRequiredService<WorkSignal>().Notify();
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
    /// <c>!agent cancel TASK_ID</c> from chat: only the requester of the task, or an admin of that platform
    /// (<c>replies.admins</c>), may cancel it. A bearer identity may cancel any task only on <c>/api/tasks</c>: a chat
    /// relay also holds a bearer token, but speaks for the chat author named in its body, who must be the task's
    /// requester or an admin. The ending reply ("cancelled") goes where the task's own replies go.
    /// </summary>
    private static async Task CancelAsync(CommandRequest command, ITaskQueue queue, IntakeAnswer answer, IServiceProvider services)
    {
        var id = command.Args.Count > 0 ? command.Args[0] : null;
        var task = id is null ? null : await queue.GetAsync(id, answer.Aborted);
        if (task is null)
        {
            await answer.RejectAsync(StatusCodes.Status404NotFound, "not_found", id is null ? "cancel needs a task id" : $"no task {id}", command.Requester, replyContext: command.ReplyContext);
            return;
        }

        var apiCaller = command.Platform == "api" && answer.Caller.Identity.StartsWith("token:", StringComparison.Ordinal);
        var owner = task.Platform == command.Platform && string.Equals(task.Requester, command.Requester, StringComparison.OrdinalIgnoreCase);
        if (!apiCaller && !owner && !IsAdmin(services.GetRequiredService<Codeur.Configuration.AgentConfig>(), command))
        {
            await answer.RejectAsync(StatusCodes.Status403Forbidden, "forbidden", "only the requester of a task or an admin may cancel it", command.Requester, replyContext: command.ReplyContext);
            return;
        }

        if (task.State.IsFinal())
        {
            await answer.RejectAsync(StatusCodes.Status409Conflict, "conflict", $"task {task.Id} already ended: {task.State.ToName()}", command.Requester, replyContext: command.ReplyContext);
            return;
        }

        var after = await queue.RequestCancelAsync(task.Id, answer.Aborted);
        if (services.GetRequiredService<RunningTasks>().TryGet(task.Id, out var running))
        {
            running.Cancel();
        }

        await answer.CancelRequestedAsync(after ?? task);
    }

    private static bool IsAdmin(Codeur.Configuration.AgentConfig config, CommandRequest command)
    {
        var admins = config.Webhook.Replies.Admins;
        var list = command.Platform switch
        {
            "github" => admins.Github,
            "slack" => admins.Slack,
            "discord" => admins.Discord,
            _ => null,
        };
        return list is not null && list.Contains(command.Requester, StringComparer.OrdinalIgnoreCase);
    }

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
