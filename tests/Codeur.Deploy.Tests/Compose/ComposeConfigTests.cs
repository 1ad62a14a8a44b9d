namespace Codeur.Deploy.Tests.Compose;

/// <summary>
/// docker-compose.yml as docker-compose 1.29 resolves it (<c>config</c>), with the env files laid out as
/// deploy/compose/*.env.example lays them out. Needs no images, so it is outside the images collection.
/// </summary>
public sealed class ComposeConfigTests
{
    [Theory]
    [InlineData("")]
    [InlineData("redis")]
    public async Task Config_WithAndWithoutRedisProfile_Valid(string redisProfile)
    {
        string[] profile = redisProfile.Length == 0 ? [] : ["--profile", redisProfile];
        ComposeStackTests.RequireCompose();
        await using var stack = await ComposeStack.CreateAsync();

        var config = await stack.ComposeAsync(TimeSpan.FromMinutes(1), [.. profile, "config"]);

        Assert.True(config.ExitCode == 0, config.Error);
        Assert.Contains("read_only: true", config.Output, StringComparison.Ordinal);
        Assert.Contains("profiles:", config.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_SeparateEnvFiles_GatewayGetsOnlyWhatItVerifiesWith()
    {
        ComposeStackTests.RequireCompose();
        await using var stack = await ComposeStack.CreateAsync();

        var config = await stack.ComposeAsync(TimeSpan.FromMinutes(1), "config");

        Assert.True(config.ExitCode == 0, config.Error);
        var services = (YamlDotNet.RepresentationModel.YamlMappingNode)LoadYaml(config.Output)["services"];
        var gateway = Environment(services, "gateway");
        var runner = Environment(services, "runner");
        Assert.Equal(stack.BearerToken, gateway["AGENT_WEBHOOK_TOKEN"]);
        Assert.Equal(stack.GitHubSecret, gateway["GITHUB_WEBHOOK_SECRET"]);
        Assert.DoesNotContain("GITHUB_TOKEN", gateway.Keys);
        Assert.DoesNotContain(gateway.Values, v => v == stack.GitHubToken);
        Assert.Equal(stack.GitHubToken, runner["GITHUB_TOKEN"]);
        Assert.DoesNotContain("AGENT_WEBHOOK_TOKEN", runner.Keys);
        Assert.DoesNotContain("GITHUB_WEBHOOK_SECRET", runner.Keys);
        Assert.Equal(gateway["CODEUR_INTERNAL_TOKEN"], runner["CODEUR_INTERNAL_TOKEN"]);

        // The Redis service holds only its two ACL passwords (empty in the example: it refuses to start so).
        var redis = Environment(services, "redis");
        Assert.Equal(["CODEUR_REDIS_GATEWAY_PASSWORD", "CODEUR_REDIS_RUNNER_PASSWORD"], redis.Keys.Order(StringComparer.Ordinal));
    }

    private static YamlDotNet.RepresentationModel.YamlMappingNode LoadYaml(string text)
    {
        var stream = new YamlDotNet.RepresentationModel.YamlStream();
        stream.Load(new StringReader(text));
        return (YamlDotNet.RepresentationModel.YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static Dictionary<string, string> Environment(YamlDotNet.RepresentationModel.YamlMappingNode services, string name)
    {
        var service = (YamlDotNet.RepresentationModel.YamlMappingNode)services[name];
        var environment = (YamlDotNet.RepresentationModel.YamlMappingNode)service["environment"];
        return environment.Children.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value.ToString(), StringComparer.Ordinal);
    }
}
