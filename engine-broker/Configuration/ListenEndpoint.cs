using System.Globalization;
using System.Net;

namespace Codeur.EngineBroker.Configuration;

/// <summary>One <c>CODEUR_BROKER_LISTEN</c> entry: <c>unix:/absolute/path</c> or <c>tcp:host:port</c>.</summary>
internal sealed record ListenEndpoint(string? UnixPath, IPEndPoint? Tcp)
{
    public static bool TryParse(string text, out ListenEndpoint endpoint)
    {
        endpoint = new ListenEndpoint(null, null);
        if (text.StartsWith("unix:/", StringComparison.Ordinal))
        {
            endpoint = new ListenEndpoint(text["unix:".Length..], null);
            return true;
        }

        if (text.StartsWith("tcp:", StringComparison.Ordinal)
            && text.LastIndexOf(':') is var colon and > 4
            && IPAddress.TryParse(text[4..colon].Trim('[', ']'), out var address)
            && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            && port is >= 0 and <= 65535)
        {
            endpoint = new ListenEndpoint(null, new IPEndPoint(address, port));
            return true;
        }

        return false;
    }
}
