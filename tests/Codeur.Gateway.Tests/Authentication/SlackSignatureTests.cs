using System.Net;
using System.Text;
using Codeur.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Codeur.Gateway.Tests.Authentication;

public sealed class SlackSignatureTests
{
    // Slack's documented example (api.slack.com, "Verifying requests from Slack").
    private const string DocumentedSecret = "8f742231b10e8888abcd99yyyzzz85a5";
    private const long DocumentedTimestamp = 1531420618;
    private const string DocumentedBody = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    private const string DocumentedSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    private static FakeTimeProvider ClockAt(long unixSeconds) => new(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));

    private static HttpRequestMessage SlackRequest(string body, long timestamp, string signature)
    {
        var request = Sign.Post("/webhook/slack", Encoding.UTF8.GetBytes(body), "application/x-www-form-urlencoded");
        request.Headers.Add("X-Slack-Request-Timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("X-Slack-Signature", signature);
        return request;
    }

    [Fact]
    public async Task Post_SlackDocumentedExample_IsForwarded()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"  slack_signing_secret: \"{DocumentedSecret}\"\n  slack: {{teams: [\"*\"]}}", upstream.Address, ClockAt(DocumentedTimestamp + 10));

        using var response = await gateway.Client.SendAsync(SlackRequest(DocumentedBody, DocumentedTimestamp, DocumentedSignature), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var forwarded = upstream.Forwarded();
        Assert.Equal(DocumentedBody, Encoding.UTF8.GetString(forwarded.Body));
        Assert.Equal("slack", forwarded.Headers["X-Codeur-Identity"]);
    }

    [Theory]
    [InlineData(301)]
    [InlineData(-301)]
    public async Task Post_TimestampOutsideReplayWindow_Returns401(int clockOffsetSeconds)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        var clock = ClockAt(DocumentedTimestamp + clockOffsetSeconds);
        await using var gateway = await GatewayHost.StartAsync($"  slack_signing_secret: \"{DocumentedSecret}\"\n  slack: {{teams: [\"*\"]}}", upstream.Address, clock);

        using var response = await gateway.Client.SendAsync(SlackRequest(DocumentedBody, DocumentedTimestamp, DocumentedSignature), TestContext.Current.CancellationToken);

        Assert.Contains("replay window", await ResponseAssert.ErrorAsync(response, HttpStatusCode.Unauthorized));
        Assert.Empty(upstream.Requests);
    }

    [Theory]
    [InlineData(300)]
    [InlineData(-300)]
    public async Task Post_TimestampAtWindowEdge_IsAccepted(int clockOffsetSeconds)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"  slack_signing_secret: \"{DocumentedSecret}\"\n  slack: {{teams: [\"*\"]}}", upstream.Address, ClockAt(DocumentedTimestamp + clockOffsetSeconds));

        using var response = await gateway.Client.SendAsync(SlackRequest(DocumentedBody, DocumentedTimestamp, DocumentedSignature), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Post_SignatureFromAnotherTimestamp_Returns401()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"  slack_signing_secret: \"{DocumentedSecret}\"\n  slack: {{teams: [\"*\"]}}", upstream.Address, ClockAt(DocumentedTimestamp));

        // A captured signature replayed with a fresh timestamp does not verify.
        using var response = await gateway.Client.SendAsync(SlackRequest(DocumentedBody, DocumentedTimestamp + 1, DocumentedSignature), TestContext.Current.CancellationToken);

        Assert.Contains("invalid X-Slack-Signature", await ResponseAssert.ErrorAsync(response, HttpStatusCode.Unauthorized));
    }

    [Fact]
    public async Task Post_OwnSignatureWithCurrentClock_IsAccepted()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        var clock = ClockAt(1_800_000_000);
        await using var gateway = await GatewayHost.StartAsync("  slack_signing_secret: \"another-secret\"\n  slack: {teams: [\"*\"]}", upstream.Address, clock);
        var body = "{\"type\":\"event_callback\"}";
        var ts = clock.GetUtcNow().ToUnixTimeSeconds();

        using var response = await gateway.Client.SendAsync(SlackRequest(body, ts, Sign.Slack("another-secret", ts, Encoding.UTF8.GetBytes(body))), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Post_TimestampWithoutSignature_Returns401()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync($"  slack_signing_secret: \"{DocumentedSecret}\"\n  slack: {{teams: [\"*\"]}}", upstream.Address, ClockAt(DocumentedTimestamp));
        using var request = Sign.Post("/webhook/slack", Encoding.UTF8.GetBytes(DocumentedBody), "application/x-www-form-urlencoded");
        request.Headers.Add("X-Slack-Request-Timestamp", "1531420618");

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Contains("X-Slack-Signature", await ResponseAssert.ErrorAsync(response, HttpStatusCode.Unauthorized));
    }
}
