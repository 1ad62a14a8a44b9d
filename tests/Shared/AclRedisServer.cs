using System.Diagnostics;
using System.Security.Cryptography;

namespace Codeur.Tests.Shared;

/// <summary>
/// A real redis-server started the way the compose and Helm Redis starts: through
/// <c>deploy/docker/redis/codeur-redis-server</c>, which writes the ACL users (default user off, one user per
/// service) from two passwords. The tests then speak to it as each service would.
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

    protected override string? Program => Path.Combine(FindRoot(), "deploy", "docker", "redis", "codeur-redis-server");

    protected override void Configure(ProcessStartInfo start, string directory)
    {
        start.Environment["CODEUR_REDIS_GATEWAY_PASSWORD"] = GatewayPassword;
        start.Environment["CODEUR_REDIS_RUNNER_PASSWORD"] = RunnerPassword;
        start.Environment["CODEUR_REDIS_ACL_FILE"] = Path.Combine(directory, "users.acl");
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Codeur.Gateway.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
