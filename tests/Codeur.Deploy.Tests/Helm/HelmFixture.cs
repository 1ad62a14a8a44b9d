using Codeur.Deploy.Tests.Infrastructure;

namespace Codeur.Deploy.Tests.Helm;

/// <summary>
/// The helm binary (CODEUR_HELM, else PATH, else where tests/tools/get-helm.sh puts it) with scratch
/// cache/config/data homes, and helpers that lint and render charts/codeur.
/// </summary>
public sealed class HelmFixture : IDisposable
{
    public const string Release = "t";

    private readonly string _home = Directory.CreateTempSubdirectory("codeur-helm-home-").FullName;
    private readonly string? _helm = Locate();

    public static string Chart => Repo.Path("charts", "codeur");

    public void Require()
    {
        if (_helm is null)
        {
            Requirement.Unmet("helm not found (CODEUR_HELM, PATH, /tmp/codeur-helm/helm)");
        }
    }

    public Task<ToolResult> RunAsync(params string[] arguments)
    {
        Require();
        return Tool.RunAsync(_helm!, arguments, TimeSpan.FromMinutes(2), new Dictionary<string, string>
        {
            ["HELM_CACHE_HOME"] = Path.Combine(_home, "cache"),
            ["HELM_CONFIG_HOME"] = Path.Combine(_home, "config"),
            ["HELM_DATA_HOME"] = Path.Combine(_home, "data"),
        });
    }

    /// <summary><c>helm template</c> with an optional values file (relative to the chart) and --set pairs.</summary>
    public Task<ToolResult> TemplateAsync(string valuesFile, params string[] sets)
    {
        var arguments = new List<string> { "template", Release, Chart };
        if (valuesFile.Length > 0)
        {
            arguments.AddRange(["-f", Path.Combine(Chart, valuesFile)]);
        }

        foreach (var set in sets)
        {
            arguments.AddRange(["--set", set]);
        }

        return RunAsync([.. arguments]);
    }

    public async Task<Rendered> RenderAsync(string valuesFile, params string[] sets) =>
        Rendered.Parse((await TemplateAsync(valuesFile, sets)).EnsureSuccess("helm template " + valuesFile).Output);

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private static string? Locate()
    {
        if (Environment.GetEnvironmentVariable("CODEUR_HELM") is { Length: > 0 } configured && File.Exists(configured))
        {
            return configured;
        }

        return Tool.Find("helm") ?? (File.Exists("/tmp/codeur-helm/helm") ? "/tmp/codeur-helm/helm" : null);
    }
}
