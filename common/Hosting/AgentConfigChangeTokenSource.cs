using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Codeur.Hosting;

/// <summary>Tells the options monitor of <typeparamref name="TOptions"/> that <c>.agent.yaml</c> changed and was accepted.</summary>
internal sealed class AgentConfigChangeTokenSource<TOptions>(AgentConfigMonitor monitor) : IOptionsChangeTokenSource<TOptions>
{
    public string? Name => Options.DefaultName;

    public IChangeToken GetChangeToken() => monitor.GetChangeToken();
}
