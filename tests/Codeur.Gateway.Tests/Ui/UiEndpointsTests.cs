using System.Net;
using System.Net.Http.Headers;
using Codeur.Gateway.Tests.Infrastructure;
using Codeur.Gateway.Ui;

namespace Codeur.Gateway.Tests.Ui;

/// <summary><c>/ui</c> on the real gateway (Kestrel): the page's files, their headers, and what turns it off.</summary>
public sealed class UiEndpointsTests
{
    private const string Token = "main-token-0123456789";
    private const string Enabled = "  ui: {enabled: true}";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<HttpResponseMessage> GetAsync(GatewayHost gateway, string path, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        configure?.Invoke(request);
        return await gateway.Client.SendAsync(request, Ct);
    }

    [Theory]
    [InlineData("/ui/", "text/html")]
    [InlineData("/ui/index.html", "text/html")]
    [InlineData("/ui/app.js", "text/javascript")]
    [InlineData("/ui/app.css", "text/css")]
    public async Task Get_Enabled_ServesTheFileWithStrictHeadersWithoutAToken(string path, string mediaType)
    {
        await using var gateway = await GatewayHost.StartAsync(Enabled);

        using var response = await GetAsync(gateway, path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
            Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.NotNull(response.Headers.ETag);
        Assert.True((await response.Content.ReadAsByteArrayAsync(Ct)).Length > 100);
    }

    [Fact]
    public async Task Get_PageFiles_ReferenceNothingOutsideTheirOrigin()
    {
        await using var gateway = await GatewayHost.StartAsync(Enabled);
        var assets = new UiAssets();

        foreach (var name in assets.Names)
        {
            using var response = await GetAsync(gateway, "/ui/" + name);
            var text = await response.Content.ReadAsStringAsync(Ct);
            // No absolute URL, no protocol-relative one, no inline handler or style attribute (the policy would refuse them anyway).
            Assert.DoesNotMatch(@"(?i)(https?:)?//[a-z0-9]", text);
            if (name.EndsWith(".html", StringComparison.Ordinal))
            {
                Assert.DoesNotMatch(@"(?i)<script(?![^>]*\bsrc=)", text);
                Assert.DoesNotMatch(@"(?i)\son[a-z]+\s*=|\sstyle\s*=|<style", text);
            }
        }
    }

    [Fact]
    public async Task Get_NoTrailingSlash_RelativeRedirectToTheDirectory()
    {
        await using var gateway = await GatewayHost.StartAsync(Enabled);

        using var response = await GetAsync(gateway, "/ui");

        Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
        Assert.Equal("ui/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Get_SameETag_304WithoutBody()
    {
        await using var gateway = await GatewayHost.StartAsync(Enabled);
        using var first = await GetAsync(gateway, "/ui/app.js");

        using var again = await GetAsync(gateway, "/ui/app.js", r => r.Headers.IfNoneMatch.Add(first.Headers.ETag!));

        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync(Ct));
    }

    [Theory]
    [InlineData("/ui/secret.txt")]
    [InlineData("/ui/..%2fProgram.cs")]
    [InlineData("/ui/Codeur.Gateway.dll")]
    public async Task Get_UnknownFile_404Json(string path)
    {
        await using var gateway = await GatewayHost.StartAsync(Enabled);

        using var response = await GetAsync(gateway, path);

        Assert.Equal("no such route", await ResponseAssert.ErrorAsync(response, HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task Get_NotEnabled_SameNotFoundAsAnyUnknownRoute()
    {
        await using var gateway = await GatewayHost.StartAsync("");

        using var page = await GetAsync(gateway, "/ui/");
        using var script = await GetAsync(gateway, "/ui/app.js");

        Assert.Equal("no such route", await ResponseAssert.ErrorAsync(page, HttpStatusCode.NotFound));
        Assert.Equal("no such route", await ResponseAssert.ErrorAsync(script, HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task Get_ConfigEdited_EnabledAndDisabledWithoutRestart()
    {
        await using var gateway = await GatewayHost.StartAsync("");
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(gateway, "/ui/")).StatusCode);

        await gateway.RewriteConfigAsync(Enabled);

        await WithinAsync(async () => (await GetAsync(gateway, "/ui/")).StatusCode == HttpStatusCode.OK);
        await gateway.RewriteConfigAsync("  ui: {enabled: false}");
        await WithinAsync(async () => (await GetAsync(gateway, "/ui/")).StatusCode == HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Get_AddressNotAllowlisted_403BeforeThePage()
    {
        // Allowed from loopback the page is served; the allowlist applies to /ui as to every route.
        await using var open = await GatewayHost.StartAsync(Enabled + "\n  ip_allowlist: [\"127.0.0.0/8\"]");
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(open, "/ui/")).StatusCode);

        await using var gateway = await GatewayHost.StartAsync(Enabled + "\n  ip_allowlist: [\"10.0.0.0/8\"]");

        using var response = await GetAsync(gateway, "/ui/");

        Assert.Contains("not allowed", await ResponseAssert.ErrorAsync(response, HttpStatusCode.Forbidden));
    }

    [Fact]
    public async Task ListTasks_TokenWithOnlyTasksRead_ForwardedToTheRunner()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(
            $"  tokens:\n    viewer: {{token: \"{Token}\", scopes: [\"tasks:read\"]}}", upstream.Address);

        using var anonymous = await GetAsync(gateway, "/api/tasks?state=running");
        using var response = await GetAsync(gateway, "/api/tasks?state=running", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var forwarded = upstream.Forwarded();
        Assert.Equal("/api/tasks?state=running", forwarded.Path);
        Assert.Equal("token:viewer", forwarded.Headers["X-Codeur-Identity"]);
    }

    private static async Task WithinAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the edit did not take effect in time");
            await Task.Delay(50, Ct);
        }
    }
}
