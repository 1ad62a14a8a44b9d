using System.Net;
using Codeur.Configuration;
using Codeur.Gateway.Http;
using Codeur.Gateway.RateLimiting;
using Codeur.Gateway.Spool;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace Codeur.Gateway.Forwarding;

internal static class ForwardingExtensions
{
    private const string ClusterId = "runner";

    // A runner restart takes a few seconds; clients that honour Retry-After come back when it is likely up again.
    private static readonly TimeSpan RunnerRetry = TimeSpan.FromSeconds(5);

    /// <summary>YARP routes for the public paths, one cluster for <c>runner.url</c>, and the identity transform.</summary>
    public static IServiceCollection AddRunnerForwarding(this IServiceCollection services, AgentConfig config)
    {
        var routes = GatewayRoutes.All.Select(route => new RouteConfig
        {
            RouteId = route.Id,
            ClusterId = ClusterId,
            AuthorizationPolicy = route.Policy,
            RateLimiterPolicy = RateLimitingExtensions.IdentityPolicy,
            Match = new RouteMatch { Path = route.Path, Methods = route.Methods },
            Metadata = new Dictionary<string, string> { [GatewayRoutes.PlatformMetadataKey] = route.Platform },
        }).ToList();

        var cluster = new ClusterConfig
        {
            ClusterId = ClusterId,
            Destinations = new Dictionary<string, DestinationConfig> { ["runner"] = new() { Address = config.Webhook.Runner.Url } },
            HttpRequest = new ForwarderRequestConfig
            {
                // The runner answers as soon as a task is queued; a minute of silence means it is stuck.
                ActivityTimeout = TimeSpan.FromSeconds(60),
                VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            },
        };

        services.AddSingleton<IdentityTransform>();
        services.AddSingleton<IForwarderHttpClientFactory, RunnerHttpClientFactory>();
        services.AddReverseProxy()
            .LoadFromMemory(routes, [cluster])
            .AddTransforms(context =>
            {
                // X-Forwarded-For is set, not appended: what an untrusted client sent is not passed on as fact.
                context.AddXForwarded(ForwardedTransformActions.Set);
                context.RequestTransforms.Add(context.Services.GetRequiredService<IdentityTransform>());
                SpoolTransforms.Add(context);
            });
        return services;
    }

    /// <summary>
    /// Maps the forwarding routes. A submission the runner cannot take goes to the spool when one is configured (and
    /// joins it while earlier ones wait there); otherwise an unreachable runner becomes a prompt JSON 502/504.
    /// </summary>
    public static IEndpointConventionBuilder MapRunnerForwarding(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapReverseProxy(proxy =>
        {
            proxy.Use(async (context, next) =>
            {
                var spool = context.RequestServices.GetService<SpoolIntake>();
                if (spool is not null && await spool.TryQueueBehindAsync(context))
                {
                    return;
                }

                await next();
                if (spool is not null && (await spool.TrySpoolUnavailableAsync(context) || await spool.TryAnswerStatusAsync(context)))
                {
                    return;
                }

                if (context.GetForwarderErrorFeature() is { } error)
                {
                    var rejection = context.RequestServices.GetRequiredService<Rejection>();
                    switch (error.Error)
                    {
                        case ForwarderError.RequestTimedOut:
                            await rejection.RejectAsync(context, StatusCodes.Status504GatewayTimeout, "upstream_timeout", "the runner did not answer in time", RunnerRetry);
                            break;
                        case ForwarderError.Request or ForwarderError.NoAvailableDestinations or ForwarderError.ResponseHeaders:
                            await rejection.RejectAsync(context, StatusCodes.Status502BadGateway, "upstream_unavailable", "the runner is unreachable", RunnerRetry);
                            break;
                        case ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient:
                            // The client went away or sent a broken body: not our fault, and nobody to answer.
                            break;
                        default:
                            await rejection.RejectAsync(context, StatusCodes.Status502BadGateway, "upstream_error", "forwarding to the runner failed", RunnerRetry);
                            break;
                    }
                }
            });
        });
}

/// <summary>YARP's client with a short connect timeout: an unreachable runner fails in about a second, never hangs.</summary>
internal sealed class RunnerHttpClientFactory : ForwarderHttpClientFactory
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        handler.ConnectTimeout = TimeSpan.FromSeconds(1);
        handler.PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60);
    }
}
