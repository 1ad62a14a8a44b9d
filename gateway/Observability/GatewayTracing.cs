using System.Diagnostics;

namespace Codeur.Gateway.Observability;

/// <summary>The gateway's own spans (beside ASP.NET Core's request span and the forwarded call's HttpClient span).</summary>
internal static class GatewayTracing
{
    public const string SourceName = "Codeur.Gateway";

    public static readonly ActivitySource Source = new(SourceName);
}
