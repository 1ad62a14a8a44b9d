using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Codeur.EngineBroker.Configuration;
using Codeur.EngineBroker.Create;
using Codeur.EngineBroker.Requests;

namespace Codeur.EngineBroker.Engine;

/// <summary>
/// Decides whether a lifecycle call may touch a container: only when the engine says it carries this runner's
/// <c>codeur.runner</c> label. A reference is resolved to the engine's full id first, and the call is forwarded by
/// that id, so a name cannot be re-pointed at another container between the check and the call. Labels cannot change
/// after creation and ids are never reused, so an id found to be ours (or created through us) is remembered.
/// </summary>
internal sealed class ContainerOwnership(BrokerPolicy policy, EngineClient engine)
{
    private const int MaxRemembered = 16_384;

    private readonly ConcurrentDictionary<string, bool> _owned = new(StringComparer.Ordinal);

    public void Remember(string id)
    {
        if (_owned.Count >= MaxRemembered)
        {
            _owned.Clear();
        }

        _owned[id] = true;
    }

    public void Forget(string id) => _owned.TryRemove(id, out _);

    /// <returns>The full id, or the engine's own answer (a 404, say) to relay unchanged.</returns>
    public async Task<(string? Id, HttpResponseMessage? EngineAnswer)> ResolveAsync(EngineRoute route, CancellationToken cancellationToken)
    {
        var reference = route.Container!;
        if (reference.Length == 64 && _owned.ContainsKey(reference))
        {
            return (reference, null);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(engine.CallTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, EngineClient.Address($"{route.VersionSegment}/containers/{Uri.EscapeDataString(reference)}/json"));
        var response = await engine.SendAsync(request, timeout.Token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (null, response);
        }

        using (response)
        {
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(timeout.Token), default, timeout.Token);
            var root = document.RootElement;
            var id = root.TryGetProperty("Id", out var idElement) ? idElement.GetString() : null;
            var runner = root.TryGetProperty("Config", out var config)
                && config.TryGetProperty("Labels", out var labels) && labels.ValueKind == JsonValueKind.Object
                && labels.TryGetProperty(CreateBodyValidator.RunnerLabel, out var label) && label.ValueKind == JsonValueKind.String
                ? label.GetString()
                : null;
            if (id is not { Length: 64 } || !id.All(char.IsAsciiHexDigitLower))
            {
                throw new EngineRequestRefusedException("container", "the engine returned no usable id");
            }

            if (runner != policy.RunnerId)
            {
                throw new EngineRequestRefusedException("container", "not a container of this runner");
            }

            Remember(id);
            return (id, null);
        }
    }
}
