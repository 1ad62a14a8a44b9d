using System.Security.Cryptography;
using DotNet.Testcontainers.Builders;

namespace Codeur.Tests.Shared;

/// <summary>
/// A real Redis started the way the compose and Helm Redis starts: through <c>deploy/docker/redis/codeur-redis-server</c>
/// in that image, which writes the ACL users (default user off, one user per service) from two passwords. The tests
/// then speak to it as each service would.
/// </summary>
public sealed class AclRedisServer : RedisServer
{
    public const string GatewayUser = "codeur-gateway";
    public const string RunnerUser = "codeur-runner";

    public string GatewayPassword { get; } = "gw-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    public string RunnerPassword { get; } = "rn-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The connection string the gateway is given (<c>REDIS_CONNECTION</c> in its environment).</summary>
    public string GatewayConnection => $"{Connection},user={GatewayUser},password={GatewayPassword}";

    /// <summary>The connection string the runner is given.</summary>
    public string RunnerConnection => $"{Connection},user={RunnerUser},password={RunnerPassword}";

    protected override string Entrypoint => "codeur-redis-server";

    protected override ContainerBuilder Configure(ContainerBuilder builder) => builder
        .WithEnvironment("CODEUR_REDIS_GATEWAY_PASSWORD", GatewayPassword)
        .WithEnvironment("CODEUR_REDIS_RUNNER_PASSWORD", RunnerPassword)
        .WithEnvironment("CODEUR_REDIS_ACL_FILE", "/data/users.acl");
}
