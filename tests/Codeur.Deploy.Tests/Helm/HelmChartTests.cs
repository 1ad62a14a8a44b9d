using Codeur.Configuration;
using k8s.Models;

namespace Codeur.Deploy.Tests.Helm;

/// <summary>
/// charts/codeur: lint, render with the defaults and every CI value set, load every object strictly, and check
/// what a security review checks (security contexts, host access, NetworkPolicy, where credentials come from).
/// </summary>
public sealed class HelmChartTests(HelmFixture helm) : IClassFixture<HelmFixture>
{
    private const string Gateway = HelmFixture.Release + "-codeur-gateway";
    private const string Runner = HelmFixture.Release + "-codeur-runner";

    public static TheoryData<string> ValueSets => ["", "ci/full-values.yaml", "ci/external-engine-values.yaml", "ci/dind-values.yaml", "ci/redis-values.yaml"];

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task Lint_ValueSet_PassesStrict(string values)
    {
        var arguments = new List<string> { "lint", "--strict", HelmFixture.Chart };
        if (values.Length > 0)
        {
            arguments.AddRange(["-f", Path.Combine(HelmFixture.Chart, values)]);
        }

        var result = await helm.RunAsync([.. arguments]);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("0 chart(s) failed", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task Template_ValueSet_EveryObjectLoadsStrictly(string values)
    {
        var rendered = await helm.RenderAsync(values);

        Assert.Contains(rendered.All<V1Deployment>(), d => d.Metadata.Name == Gateway);
        Assert.Contains(rendered.All<V1Deployment>(), d => d.Metadata.Name == Runner);
        Assert.Single(rendered.All<V1ConfigMap>());
        Assert.Equal(values == "ci/redis-values.yaml" ? 3 : 2, rendered.All<V1Service>().Count());
    }

    [Fact]
    public void Parse_UnknownFieldOrWrongType_Refused()
    {
        const string Unknown = "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {selectorr: {a: b}}\n";
        const string WrongType = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: three}\n";

        Assert.ThrowsAny<Exception>(() => Rendered.Parse(Unknown));
        Assert.ThrowsAny<Exception>(() => Rendered.Parse(WrongType));
    }

    [Fact]
    public async Task Template_Defaults_ThreeGatewaysBehindAServiceWithProbesPdbAndAQueueVolume()
    {
        var rendered = await helm.RenderAsync("");

        var gateway = rendered.Named<V1Deployment>(Gateway);
        Assert.Equal(3, gateway.Spec.Replicas);
        var container = Assert.Single(gateway.Spec.Template.Spec.Containers);
        Assert.Equal("/health/live", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/health", container.ReadinessProbe.HttpGet.Path);
        Assert.NotNull(container.Resources.Limits["memory"]);
        Assert.NotNull(container.Resources.Requests["cpu"]);

        var service = rendered.Named<V1Service>(Gateway);
        Assert.Equal("ClusterIP", service.Spec.Type);
        Assert.Equal(gateway.Spec.Template.Metadata.Labels["app.kubernetes.io/component"], service.Spec.Selector["app.kubernetes.io/component"]);

        var pdb = rendered.Named<V1PodDisruptionBudget>(Gateway);
        Assert.Equal("1", pdb.Spec.MinAvailable.Value);

        var runner = rendered.Named<V1Deployment>(Runner);
        Assert.Equal(1, runner.Spec.Replicas);
        Assert.Equal("Recreate", runner.Spec.Strategy.Type);
        var runnerContainer = runner.Spec.Template.Spec.Containers.Single(c => c.Name == "runner");
        Assert.Equal("/health/live", runnerContainer.LivenessProbe.HttpGet.Path);
        Assert.Equal("/health", runnerContainer.ReadinessProbe.HttpGet.Path);
        var data = runner.Spec.Template.Spec.Volumes.Single(v => v.Name == "data");
        var claim = rendered.Named<V1PersistentVolumeClaim>(data.PersistentVolumeClaim.ClaimName);
        Assert.Equal("1Gi", claim.Spec.Resources.Requests["storage"].ToString());
        Assert.Contains(runnerContainer.VolumeMounts, m => m.Name == "data" && m.MountPath == "/data");

        Assert.Empty(rendered.All<V1Ingress>());
        Assert.Empty(rendered.All<V2HorizontalPodAutoscaler>());
        Assert.Empty(rendered.ServiceMonitors);
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task SecurityContexts_ValueSet_RestrictedEverywhereButTheDindSidecar(string values)
    {
        var rendered = await helm.RenderAsync(values);

        foreach (var (owner, template) in rendered.PodTemplates())
        {
            var pod = template.Spec;
            Assert.False(pod.AutomountServiceAccountToken ?? true, $"{owner}: service account token mounted");
            Assert.NotEqual(true, pod.HostNetwork);
            Assert.NotEqual(true, pod.HostPID);
            Assert.NotEqual(true, pod.HostIPC);
            Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
            foreach (var container in pod.Containers.Concat(pod.InitContainers ?? []))
            {
                var context = container.SecurityContext;
                if (container.Name == "dind")
                {
                    Assert.Equal("ci/dind-values.yaml", values);
                    Assert.True(context.Privileged);
                    continue;
                }

                var where = $"{owner}/{container.Name}";
                Assert.True(context.RunAsNonRoot, where + ": runAsNonRoot");
                Assert.True(context.RunAsUser > 0, where + ": runAsUser");
                Assert.True(context.ReadOnlyRootFilesystem, where + ": readOnlyRootFilesystem");
                Assert.False(context.AllowPrivilegeEscalation ?? true, where + ": allowPrivilegeEscalation");
                Assert.NotEqual(true, context.Privileged);
                Assert.Equal(["ALL"], context.Capabilities.Drop);
                Assert.Null(context.Capabilities.Add);
                Assert.Equal("RuntimeDefault", context.SeccompProfile.Type);
            }
        }
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task HostAccess_ValueSet_OnlyTheProjectsAndTheBrokersReadOnlySocket(string values)
    {
        var rendered = await helm.RenderAsync(values);

        var gateway = rendered.Named<V1Deployment>(Gateway).Spec.Template.Spec;
        Assert.DoesNotContain(gateway.Volumes, v => v.HostPath is not null);

        var runner = rendered.Named<V1Deployment>(Runner).Spec.Template.Spec;
        var socket = runner.Volumes.SingleOrDefault(v => v.HostPath?.Type == "Socket");
        var socketUsers = runner.Containers.Where(c => c.VolumeMounts.Any(m => m.Name == socket?.Name)).ToList();
        if (values is "" or "ci/full-values.yaml" or "ci/redis-values.yaml")
        {
            Assert.NotNull(socket);
            var broker = Assert.Single(socketUsers);
            Assert.Equal("engine-broker", broker.Name);
            Assert.True(broker.VolumeMounts.Single(m => m.Name == socket.Name).ReadOnlyProperty);
            var runnerEnv = runner.Containers.Single(c => c.Name == "runner").Env;
            Assert.Contains(runnerEnv, e => e.Name == "DOCKER_HOST" && e.Value == "tcp://127.0.0.1:2375");
            Assert.Contains(runnerEnv, e => e.Name == "DOCKER_API_VERSION" && e.Value == "1.41");

            // The broker listens on the pod's loopback only, serves this pod's runner (same id, from the pod name),
            // and sees the projects at the runner's path, read-only, to check bind sources for links.
            Assert.Contains(broker.Env, e => e.Name == "CODEUR_BROKER_LISTEN" && e.Value == "tcp:127.0.0.1:2375");
            Assert.Equal("metadata.name", broker.Env.Single(e => e.Name == "CODEUR_BROKER_RUNNER_ID").ValueFrom.FieldRef.FieldPath);
            Assert.Equal("metadata.name", runnerEnv.Single(e => e.Name == "CODEUR_RUNNER_ID").ValueFrom.FieldRef.FieldPath);
            var brokerProjects = broker.VolumeMounts.Single(m => m.Name == "projects");
            Assert.True(brokerProjects.ReadOnlyProperty);
            Assert.Equal(broker.Env.Single(e => e.Name == "CODEUR_BROKER_PROJECTS_ROOTS").Value, brokerProjects.MountPath);
        }
        else
        {
            Assert.Null(socket);
        }

        var projects = runner.Volumes.Single(v => v.Name == "projects");
        var runnerMount = runner.Containers.Single(c => c.Name == "runner").VolumeMounts.Single(m => m.Name == "projects");
        Assert.True(runnerMount.ReadOnlyProperty);
        if (projects.HostPath is not null)
        {
            // Same path inside as on the node: bind-mount sources mean the same thing to the engine.
            Assert.Equal(projects.HostPath.Path, runnerMount.MountPath);
            Assert.Equal("Directory", projects.HostPath.Type);
        }

        Assert.DoesNotContain(runner.Volumes, v => v.HostPath is not null && v.Name is not "projects" and not "docker-socket");
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task NetworkPolicy_ValueSet_OnlyGatewayPodsReachTheRunnerPort(string values)
    {
        var rendered = await helm.RenderAsync(values);
        var gatewayLabels = rendered.Named<V1Deployment>(Gateway).Spec.Template.Metadata.Labels;
        var runnerLabels = rendered.Named<V1Deployment>(Runner).Spec.Template.Metadata.Labels;

        var policy = rendered.Named<V1NetworkPolicy>(Runner);

        Assert.True(Selects(policy.Spec.PodSelector, runnerLabels), "the policy must select the runner pods");
        Assert.False(Selects(policy.Spec.PodSelector, gatewayLabels));
        Assert.Equal(["Ingress"], policy.Spec.PolicyTypes);
        var rule = Assert.Single(policy.Spec.Ingress);
        Assert.Equal("8081", Assert.Single(rule.Ports).Port.Value);
        var podPeers = rule.FromProperty.Where(p => p.PodSelector is not null && p.NamespaceSelector is null).ToList();
        var gatewayPeer = Assert.Single(podPeers);
        Assert.True(Selects(gatewayPeer.PodSelector, gatewayLabels), "gateway pods must be admitted");
        Assert.False(Selects(gatewayPeer.PodSelector, runnerLabels), "runner pods must not admit themselves");
        Assert.DoesNotContain(rule.FromProperty, p => p.IpBlock is not null);
        if (values == "ci/full-values.yaml")
        {
            // The monitoring namespace, for /metrics, and nothing wider.
            var monitoring = Assert.Single(rule.FromProperty, p => p.NamespaceSelector is not null);
            Assert.Equal("monitoring", monitoring.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
        }
        else
        {
            Assert.Single(rule.FromProperty);
        }
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task Credentials_ValueSet_EverySecretFromASecretRefAndOnlyWhereNeeded(string values)
    {
        var rendered = await helm.RenderAsync(values);

        var gateway = Env(rendered.Named<V1Deployment>(Gateway), "gateway");
        var runner = Env(rendered.Named<V1Deployment>(Runner), "runner");

        string[] gatewaySecrets = ["CODEUR_INTERNAL_TOKEN", "AGENT_WEBHOOK_TOKEN", "GITHUB_WEBHOOK_SECRET", "SLACK_SIGNING_SECRET", "DISCORD_PUBLIC_KEY"];
        string[] runnerSecrets = ["CODEUR_INTERNAL_TOKEN", "GITHUB_TOKEN", "SLACK_BOT_TOKEN", "DISCORD_BOT_TOKEN"];
        foreach (var name in gatewaySecrets)
        {
            Assert.Equal("codeur", gateway[name].ValueFrom.SecretKeyRef.Name);
        }

        foreach (var name in runnerSecrets)
        {
            Assert.Equal("codeur", runner[name].ValueFrom.SecretKeyRef.Name);
        }

        Assert.False(gateway["CODEUR_INTERNAL_TOKEN"].ValueFrom.SecretKeyRef.Optional);
        Assert.DoesNotContain("GITHUB_TOKEN", gateway.Keys);
        Assert.DoesNotContain("GITHUB_WEBHOOK_SECRET", runner.Keys);
        Assert.All(gateway.Values.Concat(runner.Values), e => Assert.True(e.Value is null || !e.Name.EndsWith("TOKEN", StringComparison.Ordinal), e.Name + " has a literal value"));
        Assert.Empty(rendered.All<V1Secret>());
    }

    [Fact]
    public async Task Redis_Deployed_EachServiceItsOwnAclUserAndRedisOnlyThePasswords()
    {
        var rendered = await helm.RenderAsync("ci/redis-values.yaml");

        var gateway = Env(rendered.Named<V1Deployment>(Gateway), "gateway");
        var runner = Env(rendered.Named<V1Deployment>(Runner), "runner");
        Assert.Equal("redis-gateway-connection", gateway["REDIS_CONNECTION"].ValueFrom.SecretKeyRef.Key);
        Assert.Equal("redis-runner-connection", runner["REDIS_CONNECTION"].ValueFrom.SecretKeyRef.Key);

        var redis = rendered.Named<V1StatefulSet>(HelmFixture.Release + "-codeur-redis");
        var container = Assert.Single(redis.Spec.Template.Spec.Containers);
        Assert.Equal(["CODEUR_REDIS_GATEWAY_PASSWORD", "CODEUR_REDIS_RUNNER_PASSWORD"], container.Env.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["redis-gateway-password", "redis-runner-password"], container.Env.Select(e => e.ValueFrom.SecretKeyRef.Key).Order(StringComparer.Ordinal));
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Equal("codeur/redis:latest", container.Image);

        // Only the two services' pods reach it.
        var policy = rendered.Named<V1NetworkPolicy>(HelmFixture.Release + "-codeur-redis");
        var from = Assert.Single(policy.Spec.Ingress).FromProperty;
        Assert.Equal(["gateway", "runner"], from.Select(f => f.PodSelector.MatchLabels["app.kubernetes.io/component"]).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ci/full-values.yaml")]
    [InlineData("ci/external-engine-values.yaml")]
    [InlineData("ci/dind-values.yaml")]
    public async Task ConfigMap_ValueSet_LoadsWithTheServicesOwnLoader(string values)
    {
        var rendered = await helm.RenderAsync(values);
        var yaml = Assert.Single(rendered.All<V1ConfigMap>()).Data["agent.yaml"];
        var environment = new Dictionary<string, string> { ["CODEUR_INTERNAL_TOKEN"] = "internal", ["AGENT_WEBHOOK_TOKEN"] = "bearer" };

        var config = AgentConfigLoader.Load(yaml, name => environment.GetValueOrDefault(name), "agent.yaml");

        Assert.Equal($"http://{Runner}:8081", config.Webhook.Runner.Url);
        Assert.Equal("internal", config.Webhook.Runner.InternalToken);
        Assert.Equal("bearer", config.Webhook.AuthToken);
        Assert.Equal(8080, config.Webhook.Port);
        Assert.Equal("sqlite", config.Webhook.Queue.Backend);
        Assert.Equal("/data/codeur.db", config.Webhook.Queue.Path);
        Assert.Equal(["/srv/codeur/projects"], config.Webhook.Sandbox.ProjectRoots);
        Assert.True(string.IsNullOrEmpty(config.Webhook.GithubWebhookSecret), "an absent optional secret is not configured");
    }

    [Fact]
    public async Task Ingress_Enabled_TlsAndBackendIsTheGatewayService()
    {
        var rendered = await helm.RenderAsync("ci/full-values.yaml");

        var ingress = rendered.Named<V1Ingress>(Gateway);
        Assert.Equal("nginx", ingress.Spec.IngressClassName);
        var tls = Assert.Single(ingress.Spec.Tls);
        Assert.Equal("codeur-tls", tls.SecretName);
        Assert.Equal(["codeur.example.com"], tls.Hosts);
        var path = Assert.Single(Assert.Single(ingress.Spec.Rules).Http.Paths);
        Assert.Equal(Gateway, path.Backend.Service.Name);
        Assert.Equal("http", path.Backend.Service.Port.Name);

        var hpa = rendered.Named<V2HorizontalPodAutoscaler>(Gateway);
        Assert.Equal(Gateway, hpa.Spec.ScaleTargetRef.Name);
        Assert.Null(rendered.Named<V1Deployment>(Gateway).Spec.Replicas);
        Assert.Equal(2, rendered.ServiceMonitors.Count);
        Assert.All(rendered.ServiceMonitors, m => Assert.Contains("path: /metrics", m, StringComparison.Ordinal));
        Assert.All(rendered.PodTemplates(), p => Assert.All(p.Template.Spec.Containers.Where(c => c.Name != "dind"), c => Assert.StartsWith("registry.example.com/codeur/", c.Image, StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("gateway.replicas=0", "/gateway/replicas")]
    [InlineData("runner.engine.mode=privileged", "/runner/engine/mode")]
    [InlineData("agent.host=0.0.0.0", "/agent")]
    [InlineData("surprise=1", "surprise")]
    [InlineData("image.registry=registry.example.com", "/image/registry")]
    [InlineData("credentials.GITHUB_TOKEN.key=bad/key", "/credentials/GITHUB_TOKEN/key")]
    public async Task Schema_BadValue_TemplateFailsNamingTheKey(string set, string key)
    {
        var result = await helm.TemplateAsync("", set);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(key, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Template_ExternalEngineWithoutHost_FailsWithTheReason()
    {
        var result = await helm.TemplateAsync("", "runner.engine.mode=external");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("runner.engine.external.host is required", result.Error, StringComparison.Ordinal);
    }

    private static Dictionary<string, V1EnvVar> Env(V1Deployment deployment, string container) =>
        deployment.Spec.Template.Spec.Containers.Single(c => c.Name == container).Env.ToDictionary(e => e.Name);

    private static bool Selects(V1LabelSelector selector, IDictionary<string, string> labels) =>
        selector.MatchExpressions is null or { Count: 0 }
        && selector.MatchLabels.All(l => labels.TryGetValue(l.Key, out var value) && value == l.Value);
}
