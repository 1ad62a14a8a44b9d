using System.Text;
using Codeur.Configuration;
using Codeur.Runner.Intake.Commands;
using Codeur.Runner.Intake.Platforms;

namespace Codeur.Runner.Tests.Intake.Platforms;

internal static class TestRequests
{
    public const string Json = "application/json";
    public const string Form = "application/x-www-form-urlencoded";

    public static CommandLineParser Parser(Action<WebhookSection>? configure = null)
    {
        var webhook = new WebhookSection();
        configure?.Invoke(webhook);
        return new CommandLineParser(IntakeSettings.From(webhook));
    }

    public static PlatformRequest Create(string body, string? contentType = Json, string? identity = null, params (string Name, string Value)[] headers)
    {
        var map = headers.ToDictionary(h => h.Name, h => h.Value, StringComparer.OrdinalIgnoreCase);
        return new PlatformRequest(Encoding.UTF8.GetBytes(body), contentType, name => map.GetValueOrDefault(name), identity);
    }

    public static string FormEncode(params (string Name, string Value)[] fields) =>
        string.Join('&', fields.Select(f => Uri.EscapeDataString(f.Name) + "=" + Uri.EscapeDataString(f.Value).Replace("%20", "+", StringComparison.Ordinal)));

    /// <summary>The request a payload addresses to us, its command parsed as the pipeline's parse step would.</summary>
    public static CommandRequest Command(IntakeResult result, CommandLineParser? commands = null)
    {
        var addressed = Assert.IsType<IntakeResult.Addressed>(result);
        var line = addressed.Input.Parse(commands ?? Parser());
        var parsed = Assert.IsType<CommandLine>(line.Line);
        return addressed.Template with { Command = parsed.Command, Args = parsed.Args, ProjectHint = parsed.ProjectHint ?? addressed.Template.ProjectHint };
    }

    /// <summary>A payload addressed to us whose command does not parse: the error and where a refusal would go.</summary>
    public static RejectedCommand Rejected(IntakeResult result, CommandLineParser? commands = null)
    {
        var addressed = Assert.IsType<IntakeResult.Addressed>(result);
        var error = Assert.IsType<IntakeError>(addressed.Input.Parse(commands ?? Parser()).Error);
        return new RejectedCommand(error, addressed.Template.Requester, addressed.Template.ReplyContext);
    }

    public static TestParser For(IPlatformParser parser, CommandLineParser? commands = null) => new(parser, commands ?? Parser());

    internal sealed record RejectedCommand(IntakeError Error, string Requester, string? ReplyContext);

    /// <summary>A parser with fixed settings, as the pipeline hands the current ones to each call.</summary>
    internal sealed class TestParser(IPlatformParser parser, CommandLineParser commands)
    {
        public IntakeResult Parse(PlatformRequest request) => parser.Parse(request, commands);
    }
}
