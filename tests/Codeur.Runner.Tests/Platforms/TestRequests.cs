using System.Text;
using Codeur.Configuration;
using Codeur.Runner.Commands;
using Codeur.Runner.Platforms;

namespace Codeur.Runner.Tests.Platforms;

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

    public static CommandRequest Command(IntakeResult result) =>
        Assert.IsType<IntakeResult.Command>(result).Request;
}
