using Yarp.ReverseProxy.Model;

namespace Codeur.Gateway.Http;

/// <summary>The routes the gateway forwards, each with the platform it speaks for and the policy that guards it.</summary>
internal static class GatewayRoutes
{
    public const string PlatformMetadataKey = "codeur.platform";

    public static readonly IReadOnlyList<GatewayRoute> All =
    [
        new("github", "github", "/webhook/github", ["POST"], "github"),
        new("slack", "slack", "/webhook/slack", ["POST"], "slack"),
        new("discord", "discord", "/webhook/discord", ["POST"], "discord"),
        new("task-list", "api", "/api/tasks", ["GET"], "task-read"),
        new("task-read", "api", "/api/tasks/{id}/{**logs}", ["GET"], "task-read"),
        new("task-cancel", "api", "/api/tasks/{id}/cancel", ["POST"], "task-cancel"),
        new("api", "api", "/api/{**rest}", ["GET", "POST"], "bearer"),
        new("status", "api", "/status", ["GET"], "bearer"),
    ];

    /// <summary>The platform of the matched forwarding route, or <c>other</c> for local and unknown paths.</summary>
    public static string GetPlatform(this HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.Metadata?.GetValueOrDefault(PlatformMetadataKey) ?? "other";
}

internal sealed record GatewayRoute(string Id, string Platform, string Path, string[] Methods, string Policy);
