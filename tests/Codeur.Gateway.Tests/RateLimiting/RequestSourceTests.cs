using System.Text;
using Codeur.Gateway.RateLimiting;

namespace Codeur.Gateway.Tests.RateLimiting;

public sealed class RequestSourceTests
{
    [Theory]
    [InlineData("""{"action":"created","comment":{"id":1,"body":"x"},"repository":{"id":2,"full_name":"Acme/Widgets"},"installation":{"id":9}}""", "repo:acme/widgets")]
    [InlineData("""{"action":"created","installation":{"id":9,"account":{"login":"acme"}}}""", "installation:9")]
    [InlineData("""{"zen":"hi","hook_id":1,"organization":{"login":"Acme"}}""", "org:acme")]
    [InlineData("""{"repository":{"full_name":"acme/w","owner":{"full_name":"decoy/x"}},"comment":{"repository":{"full_name":"decoy/y"}}}""", "repo:acme/w")]
    [InlineData("""{"zen":"hi"}""", null)]
    [InlineData("""not json""", null)]
    [InlineData("""{"repository":{"full_name":"has space/x"}}""", null)]
    public void GitHub_Body_KeysOnRepositoryThenInstallation(string body, string? expected) =>
        Assert.Equal(expected, RequestSource.GitHub(Encoding.UTF8.GetBytes(body)));

    [Theory]
    [InlineData("token=x&team_id=T123&user_id=U1", "application/x-www-form-urlencoded", "team:T123")]
    [InlineData("payload=%7B%22type%22%3A%22block_actions%22%2C%22team%22%3A%7B%22id%22%3A%22T9%22%7D%7D", "application/x-www-form-urlencoded", "team:T9")]
    [InlineData("""{"type":"event_callback","team_id":"T7","event":{"team":"TX"}}""", "application/json", "team:T7")]
    [InlineData("""{"text":"run x","user_id":"U1"}""", "application/json", null)]
    public void Slack_Body_KeysOnTeam(string body, string contentType, string? expected) =>
        Assert.Equal(expected, RequestSource.Slack(Encoding.UTF8.GetBytes(body), contentType));

    [Theory]
    [InlineData("""{"type":2,"guild_id":"42","member":{"user":{"id":"7"}}}""", "guild:42")]
    [InlineData("""{"type":2,"user":{"id":"7"}}""", "user:7")]
    [InlineData("""{"type":1}""", null)]
    public void Discord_Body_KeysOnGuildElseUser(string body, string? expected) =>
        Assert.Equal(expected, RequestSource.Discord(Encoding.UTF8.GetBytes(body)));
}
