using k8s;
using k8s.Models;

namespace Codeur.Deploy.Tests.Helm;

/// <summary>
/// The objects of one <c>helm template</c> output, loaded strictly by the KubernetesClient models: an unknown
/// field or a wrong type anywhere fails the load. ServiceMonitor (a CRD the client has no model for) is kept as
/// text and checked on its own.
/// </summary>
public sealed class Rendered
{
    private Rendered(IReadOnlyList<object> objects, IReadOnlyList<string> serviceMonitors)
    {
        Objects = objects;
        ServiceMonitors = serviceMonitors;
    }

    public IReadOnlyList<object> Objects { get; }

    public IReadOnlyList<string> ServiceMonitors { get; }

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public T Named<T>(string name)
        where T : IKubernetesObject<V1ObjectMeta> => Assert.Single(All<T>(), o => o.Metadata.Name == name);

    /// <summary>Every pod template, with the name of the workload that owns it.</summary>
    public IEnumerable<(string Owner, V1PodTemplateSpec Template)> PodTemplates() =>
        All<V1Deployment>().Select(d => (d.Metadata.Name, d.Spec.Template))
            .Concat(All<V1StatefulSet>().Select(s => (s.Metadata.Name, s.Spec.Template)))
            .Concat(All<V1DaemonSet>().Select(s => (s.Metadata.Name, s.Spec.Template)));

    public static Rendered Parse(string yaml)
    {
        var documents = yaml.Split("\n---", StringSplitOptions.RemoveEmptyEntries)
            .Where(d => d.Contains("kind:", StringComparison.Ordinal))
            .ToList();
        var monitors = documents.Where(d => d.Contains("kind: ServiceMonitor", StringComparison.Ordinal)).ToList();
        var core = string.Join("\n---\n", documents.Except(monitors));
        var objects = KubernetesYaml.LoadAllFromString(core, strict: true);
        Assert.Equal(documents.Count - monitors.Count, objects.Count);
        return new Rendered([.. objects], monitors);
    }
}
