using Codeur.Configuration;
using Codeur.Runner.Commands;
using Codeur.Runner.Policy;

namespace Codeur.Runner.Tests.Policy;

public sealed class CommandPolicyTests
{
    private static CommandPolicy Policy(Action<WebhookSection>? configure = null)
    {
        var webhook = new WebhookSection();
        configure?.Invoke(webhook);
        return new CommandPolicy(IntakeSettings.From(webhook));
    }

    private static CommandRequest Request(string platform = "github", string requester = "monalisa", string command = "run") =>
        new() { Platform = platform, Requester = requester, Command = command };

    [Fact]
    public void Check_DefaultsAndAllowedCommand_Passes()
    {
        Assert.Null(Policy().Check(Request()));
    }

    [Fact]
    public void Check_CommandOutsideAllowedCommands_422ListingAllowed()
    {
        var error = Policy(w => w.AllowedCommands = ["analyze", "status"]).Check(Request(command: "run"));

        Assert.NotNull(error);
        Assert.Equal(422, error.StatusCode);
        Assert.Equal("command 'run' is not allowed; allowed: analyze, status, cancel", error.Message);
    }

    [Fact]
    public void Check_CancelWithEmptyAllowedCommands_Passes()
    {
        Assert.Null(Policy(w => w.AllowedCommands = []).Check(Request(command: "cancel")));
    }

    [Fact]
    public void Check_RequesterNotInPlatformAllowlist_403()
    {
        var policy = Policy(w => w.Requesters.Slack = ["U1", "U2"]);

        var error = policy.Check(Request("slack", "U3"));

        Assert.NotNull(error);
        Assert.Equal(403, error.StatusCode);
        Assert.Equal("requester not permitted", error.Message);
    }

    [Fact]
    public void Check_RequesterInAllowlist_Passes()
    {
        Assert.Null(Policy(w => w.Requesters.Github = ["MonaLisa"]).Check(Request("github", "monalisa")));
    }

    [Fact]
    public void Check_AllowlistOnOtherPlatformOnly_AnyoneHerePasses()
    {
        Assert.Null(Policy(w => w.Requesters.Discord = ["1"]).Check(Request("slack", "U9")));
    }

    [Fact]
    public void Check_EmptyAllowlist_NobodyPasses()
    {
        Assert.Equal(403, Policy(w => w.Requesters.Api = []).Check(Request("api", "token:ci"))?.StatusCode);
    }

    [Fact]
    public void Check_RequesterNotPermittedAndCommandDisallowed_RequesterReportedFirst()
    {
        var error = Policy(w => { w.Requesters.Github = ["a"]; w.AllowedCommands = ["status"]; }).Check(Request("github", "b", "run"));

        Assert.Equal(403, error?.StatusCode);
    }
}
