using Codeur.Hosting;
using Codeur.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Codeur.Gateway.Ui;

/// <summary>
/// <c>GET /ui/</c> and its files. Static, so served without a credential; the page asks for a bearer token and sends it
/// with every API call it makes, which the API routes check as for any client. The edge rules before routing (IP
/// allowlist, per-address rate limit) apply here as everywhere. With <c>webhook.ui.enabled</c> off the paths answer the
/// same 404 as any unknown route.
/// </summary>
internal static class UiEndpoints
{
    public const string Path = "/ui";

    public static IServiceCollection AddUi(this IServiceCollection services)
    {
        services.AddAgentOptions<UiOptions>((options, config) => options.Configure(config));
        services.AddSingleton<UiAssets>();
        return services;
    }

    public static IEndpointRouteBuilder MapUi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods(Path + "/{name?}", ["GET", "HEAD"], (HttpContext context, string? name, IOptionsMonitor<UiOptions> options, UiAssets assets) =>
            options.CurrentValue.Enabled ? ServeAsync(context, assets, name) : JsonError.WriteAsync(context, StatusCodes.Status404NotFound, "no such route"));
        return endpoints;
    }

    private static async Task ServeAsync(HttpContext context, UiAssets assets, string? name)
    {
        var response = context.Response;
        if (name is null && !context.Request.Path.Value!.EndsWith('/'))
        {
            // Relative, so the page also works below a path prefix a reverse proxy adds; its own URLs are all relative.
            response.StatusCode = StatusCodes.Status308PermanentRedirect;
            response.Headers.Location = "ui/";
            UiHeaders.Apply(response);
            return;
        }

        if (!assets.TryGet(name ?? UiAssets.IndexName, out var asset))
        {
            await JsonError.WriteAsync(context, StatusCodes.Status404NotFound, "no such route");
            return;
        }

        UiHeaders.Apply(response);
        response.Headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(tag => tag.Trim() == asset.ETag)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(asset.Content, context.RequestAborted);
        }
    }
}
