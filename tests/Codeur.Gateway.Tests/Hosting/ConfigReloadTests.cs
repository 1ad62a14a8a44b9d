using System.Net;
using System.Net.Http.Headers;
using Codeur.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Codeur.Gateway.Tests.Hosting;

/// <summary>
/// The running gateway (real Kestrel, real file watcher) follows edits of its <c>.agent.yaml</c>: each change is in
/// force within 2 s of the edit, and a broken edit changes nothing and is logged with its key and line.
/// </summary>
public sealed class ConfigReloadTests
{
    private static readonly TimeSpan ReloadDeadline = TimeSpan.FromSeconds(2);

    private const string Ci = "ci-token-0123456789";
    private const string Ops = "ops-token-0123456789";
    private const string Rotated = "ci-token-rotated-9876543210";

    private static HttpRequestMessage ApiTask(string token)
    {
        var request = Sign.Post("/api/tasks", "{\"command\":\"status\"}"u8.ToArray());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static async Task<HttpStatusCode> SendAsync(GatewayHost gateway, Func<HttpRequestMessage> request)
    {
        using var message = request();
        using var response = await gateway.Client.SendAsync(message, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    /// <summary>Repeats the request until it answers <paramref name="expected"/> or the deadline passes; returns the last answer.</summary>
    private static async Task<HttpStatusCode> WithinDeadlineAsync(GatewayHost gateway, Func<HttpRequestMessage> request, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow + ReloadDeadline;
        while (true)
        {
            var status = await SendAsync(gateway, request);
            if (status == expected || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Reload_TokenRevokedAndAnotherRotated_AppliesWithinTwoSeconds()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"""
              tokens:
                ci: "{Ci}"
                ops: "{Ops}"
            """, upstream.Address);
        Assert.Equal(HttpStatusCode.Accepted, await SendAsync(gateway, () => ApiTask(Ci)));
        Assert.Equal(HttpStatusCode.Accepted, await SendAsync(gateway, () => ApiTask(Ops)));

        // ops is revoked; ci gets a new value.
        await gateway.RewriteConfigAsync($"""
              tokens:
                ci: "{Rotated}"
            """);

        Assert.Equal(HttpStatusCode.Unauthorized, await WithinDeadlineAsync(gateway, () => ApiTask(Ops), HttpStatusCode.Unauthorized));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(gateway, () => ApiTask(Ci)));
        Assert.Equal(HttpStatusCode.Accepted, await SendAsync(gateway, () => ApiTask(Rotated)));
    }

    [Fact]
    public async Task Reload_ScopeWithdrawn_Returns403WithinTwoSeconds()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"  tokens: {{ci: \"{Ci}\"}}", upstream.Address);
        Assert.Equal(HttpStatusCode.Accepted, await SendAsync(gateway, () => ApiTask(Ci)));

        await gateway.RewriteConfigAsync($"  tokens: {{ci: {{token: \"{Ci}\", scopes: [relay:slack]}}}}");

        Assert.Equal(HttpStatusCode.Forbidden, await WithinDeadlineAsync(gateway, () => ApiTask(Ci), HttpStatusCode.Forbidden));
    }

    [Fact]
    public async Task Reload_AllowlistAddedThenProxyTrusted_AppliesWithinTwoSeconds()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"  tokens: {{ci: \"{Ci}\"}}", upstream.Address);
        HttpRequestMessage FromBehindProxy()
        {
            var request = ApiTask(Ci);
            request.Headers.Add("X-Forwarded-For", "10.1.2.3");
            return request;
        }

        Assert.Equal(HttpStatusCode.Accepted, await SendAsync(gateway, FromBehindProxy));

        // Only 10.0.0.0/8 may connect; the test client is 127.0.0.1 and its X-Forwarded-For is not believed.
        await gateway.RewriteConfigAsync($"""
              tokens: {"{"}ci: "{Ci}"{"}"}
              ip_allowlist: ["10.0.0.0/8"]
            """);
        Assert.Equal(HttpStatusCode.Forbidden, await WithinDeadlineAsync(gateway, FromBehindProxy, HttpStatusCode.Forbidden));

        // Now 127.0.0.1 is a trusted proxy: the client it names is in the allowlist.
        await gateway.RewriteConfigAsync($"""
              tokens: {"{"}ci: "{Ci}"{"}"}
              ip_allowlist: ["10.0.0.0/8"]
              trusted_proxies: ["127.0.0.1"]
            """);
        Assert.Equal(HttpStatusCode.Accepted, await WithinDeadlineAsync(gateway, FromBehindProxy, HttpStatusCode.Accepted));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(gateway, () => ApiTask(Ci)));
    }

    [Fact]
    public async Task Reload_GitHubSecretRotated_OldSignatureRefusedNewAccepted()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync("  github_webhook_secret: \"old-secret\"", upstream.Address);
        var body = "{\"zen\":\"hi\"}"u8.ToArray();
        Func<HttpRequestMessage> SignedWith(string secret) => () =>
        {
            var request = Sign.Post("/webhook/github", body);
            request.Headers.Add("X-Hub-Signature-256", Sign.GitHub(secret, body));
            return request;
        };
        Assert.Equal(HttpStatusCode.Accepted, await SendAsync(gateway, SignedWith("old-secret")));

        await gateway.RewriteConfigAsync("  github_webhook_secret: \"new-secret\"");

        Assert.Equal(HttpStatusCode.Unauthorized, await WithinDeadlineAsync(gateway, SignedWith("old-secret"), HttpStatusCode.Unauthorized));
        Assert.Equal(HttpStatusCode.Accepted, await SendAsync(gateway, SignedWith("new-secret")));
    }

    [Fact]
    public async Task Reload_RateLimitLowered_AppliesWithinTwoSeconds()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"  tokens: {{ci: \"{Ci}\"}}\n  rate_limit: 1000", upstream.Address);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, await SendAsync(gateway, () => ApiTask(Ci)));
        }

        await gateway.RewriteConfigAsync($"  tokens: {{ci: \"{Ci}\"}}\n  rate_limit: 2");

        // Under the new limit the count starts afresh: two more pass, then 429.
        Assert.Equal(HttpStatusCode.TooManyRequests, await WithinDeadlineAsync(gateway, () => ApiTask(Ci), HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task Reload_BrokenEdit_ChangesNothingAndIsLoggedWithKeyAndLine()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"""
              tokens:
                ci: "{Ci}"
                ops: "{Ops}"
            """, upstream.Address);

        // Revokes ops, but also names an unknown scope: the whole edit is refused, ops keeps working.
        await gateway.RewriteConfigAsync($"""
              tokens:
                ci: {"{"}token: "{Ci}", scopes: [api, everything]{"}"}
            """);

        var deadline = DateTime.UtcNow + ReloadDeadline;
        while (!gateway.Logs.GetSnapshot().Any(r => r.Level == LogLevel.Error) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }

        var error = Assert.Single(gateway.Logs.GetSnapshot(), r => r.Level == LogLevel.Error);
        Assert.Contains("webhook.tokens.ci.scopes[1] (line 7): unknown scope", error.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, await SendAsync(gateway, () => ApiTask(Ops)));
        Assert.Equal(HttpStatusCode.Accepted, await SendAsync(gateway, () => ApiTask(Ci)));
    }

    [Fact]
    public async Task Reload_PortChanged_KeepsListeningAndWarnsNeedsRestart()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"  tokens: {{ci: \"{Ci}\"}}", upstream.Address);
        var yaml = await File.ReadAllTextAsync(gateway.ConfigPath, TestContext.Current.CancellationToken);
        var aside = gateway.ConfigPath + ".new";
        await File.WriteAllTextAsync(aside, yaml.Replace("port: 0", "port: 1", StringComparison.Ordinal).Replace("tokens: {ci:", "rate_limit: 50\n  tokens: {ci:", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        File.Move(aside, gateway.ConfigPath, overwrite: true);

        var deadline = DateTime.UtcNow + ReloadDeadline;
        while (!gateway.Logs.GetSnapshot().Any(r => r.Level == LogLevel.Warning && r.Message.Contains("needs a restart", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }

        var warning = Assert.Single(gateway.Logs.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.Contains("needs a restart", StringComparison.Ordinal));
        Assert.Contains("webhook.port", warning.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, await SendAsync(gateway, () => ApiTask(Ci)));
    }
}
