using System.Net;
using Codeur.Configuration;
using Codeur.Runner.Queue;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;

namespace Codeur.Runner.Replies;

internal static class RepliesServiceCollectionExtensions
{
    private const string OutboxStoreKey = "replies";

    /// <summary>A 429 asking for a longer wait than this goes back to the outbox, which retries it when asked, instead of holding a request open.</summary>
    private static readonly TimeSpan MaxInlineRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Replies to the platforms: the outbox (SQLite, beside the queue, unless another <see cref="IReplyOutbox"/> was
    /// registered), its dispatcher, progress edits, the three platform clients, and the queue wrapped so every ending
    /// answers. Call after <c>AddTaskQueue</c>.
    /// </summary>
    public static IServiceCollection AddReplies(this IServiceCollection services, AgentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<Redactor>();
        services.TryAddSingleton<ReplyFormatter>();
        if (config.Webhook.Queue.Backend == "sqlite")
        {
            services.TryAddSingleton<IReplyOutbox>(sp => new SqliteReplyOutbox(sp.GetRequiredService<SqliteTaskQueue>(), sp.GetRequiredService<TimeProvider>()));
        }
        else
        {
            // A backend without its own outbox (none registered before this call): replies wait in a local SQLite
            // file at queue.path, so they still survive a restart of this runner.
            services.TryAddKeyedSingleton(OutboxStoreKey, (sp, _) => new SqliteTaskQueue(
                config.Webhook.Queue, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SqliteTaskQueue>>()));
            services.TryAddSingleton<IReplyOutbox>(sp => new SqliteReplyOutbox(
                sp.GetRequiredKeyedService<SqliteTaskQueue>(OutboxStoreKey), sp.GetRequiredService<TimeProvider>()));
        }

        services.TryAddSingleton<ReplyReach>();
        services.AddHostedService(sp => sp.GetRequiredService<ReplyReach>());
        services.TryAddSingleton<ReplyDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<ReplyDispatcher>());
        services.TryAddSingleton<TaskReplies>();
        services.TryAddSingleton<AcknowledgedEnqueue>();
        services.AddHostedService<ProgressReporter>();

        var replies = config.Webhook.Replies;
        AddClient<GitHubReplySender>(services, replies);
        AddClient<SlackReplySender>(services, replies);
        AddClient<DiscordReplySender>(services, replies);

        WrapQueue(services);
        return services;
    }

    private static void AddClient<TSender>(IServiceCollection services, RepliesSection replies)
        where TSender : class, IReplySender
    {
        var attempt = TimeSpan.FromSeconds(replies.RequestTimeout);
        var total = (attempt * 3) + TimeSpan.FromSeconds(10);
        services.AddHttpClient<TSender>(client =>
            {
                client.Timeout = total + TimeSpan.FromSeconds(5);
                client.DefaultRequestHeaders.UserAgent.ParseAdd("codeur-gateway/1.0");
            })

            // The default HttpClient logs print request URLs, and a Discord interaction token or a Slack response_url
            // in a URL is a credential: our own log lines (ReplyDispatcher) say what happened instead.
            .RemoveAllLoggers()
            .AddStandardResilienceHandler(options =>
            {
                options.AttemptTimeout.Timeout = attempt;
                options.TotalRequestTimeout.Timeout = total;
                options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(Math.Max(30, attempt.TotalSeconds * 2));
                options.Retry.MaxRetryAttempts = 2;
                options.Retry.Delay = TimeSpan.FromMilliseconds(500);
                options.Retry.ShouldRetryAfterHeader = true;
                options.Retry.ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { StatusCode: HttpStatusCode.TooManyRequests } limited
                    ? limited.Headers.RetryAfter?.Delta is not { } wait || wait <= MaxInlineRetryAfter
                    : HttpClientResiliencePredicates.IsTransient(args.Outcome));
            });
        services.AddTransient<IReplySender>(sp => sp.GetRequiredService<TSender>());
    }

    /// <summary>Replaces the registered <see cref="ITaskQueue"/> with itself wrapped in <see cref="ReplyingTaskQueue"/>.</summary>
    private static void WrapQueue(IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(ITaskQueue))
            ?? throw new InvalidOperationException("AddReplies needs an ITaskQueue: call AddTaskQueue first");
        services.Remove(registered);
        services.AddSingleton<ITaskQueue>(sp =>
        {
            var inner = registered switch
            {
                { ImplementationInstance: ITaskQueue instance } => instance,
                { ImplementationFactory: { } factory } => (ITaskQueue)factory(sp),
                { ImplementationType: { } type } => (ITaskQueue)ActivatorUtilities.CreateInstance(sp, type),
                _ => throw new InvalidOperationException("unsupported ITaskQueue registration"),
            };

            // Lazy: TaskReplies (through the dispatcher) is built on first use, not while the queue is being built.
            return new ReplyingTaskQueue(inner, sp.GetRequiredService<TaskReplies>);
        });
    }
}
