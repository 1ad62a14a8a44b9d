using System.Text;
using System.Text.Json.Nodes;
using Codeur.Gateway.Http;
using Codeur.IntegrationTests.EndToEnd;
using Codeur.Runner.Intake.Commands;
using Codeur.Runner.Intake.Platforms;
using YamlDotNet.RepresentationModel;

namespace Codeur.IntegrationTests.Platforms;

/// <summary>The files of <c>deploy/platforms/</c> and what they must agree with in our code.</summary>
internal static class PlatformKit
{
    public static string PathOf(params string[] parts) => Path.Combine([ServiceProcess.RepositoryRoot, "deploy", "platforms", .. parts]);

    public static JsonNode Json(params string[] parts) => JsonNode.Parse(File.ReadAllText(PathOf(parts)))!;

    public static YamlMappingNode Yaml(params string[] parts)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(PathOf(parts));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    /// <summary>The path of the gateway's forwarding route for <paramref name="platform"/>.</summary>
    public static string GatewayPath(string platform) => Assert.Single(GatewayRoutes.All, r => r.Id == platform).Path;

    /// <summary>The path of a kit URL (its host is the operator's <c>GATEWAY_HOST</c> placeholder).</summary>
    public static string UrlPath(string url)
    {
        var uri = new Uri(url);
        Assert.Equal(Uri.UriSchemeHttps, uri.Scheme);
        Assert.Equal("GATEWAY_HOST", uri.Host, ignoreCase: true);
        return uri.AbsolutePath;
    }

    public static CommandLineParser Commands { get; } = new(new IntakeSettings());

    public static PlatformRequest Request(string body, string contentType, params (string Name, string Value)[] headers) =>
        new(Encoding.UTF8.GetBytes(body), contentType, name => headers.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Value, Signed: true);

    public static IEnumerable<string> Strings(YamlNode node) => ((YamlSequenceNode)node).Children.Select(c => ((YamlScalarNode)c).Value!);

    public static YamlNode At(YamlMappingNode node, params string[] keys)
    {
        YamlNode current = node;
        foreach (var key in keys)
        {
            current = ((YamlMappingNode)current).Children[new YamlScalarNode(key)];
        }

        return current;
    }
}
