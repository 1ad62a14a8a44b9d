using Microsoft.Net.Http.Headers;

namespace Codeur.Gateway.Ui;

/// <summary>
/// The headers every <c>/ui</c> answer carries. The policy admits scripts, styles, images and connections from this
/// origin only, and nothing inline: markup that reaches the page through a task's text cannot run even if a rendering
/// bug put it into the DOM. No framing (clickjacking on the cancel button), no base or form targets to redirect.
/// </summary>
internal static class UiHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public static void Apply(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        // Revalidate every time (the ETag makes that a 304): an upgraded gateway's page is never mixed with a cached old script.
        headers.CacheControl = "no-cache";
        headers[HeaderNames.Vary] = "Accept-Encoding";
    }
}
