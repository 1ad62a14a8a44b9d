namespace Codeur.Gateway.Http;

/// <summary>
/// Refuses (400) a request whose header values hold bytes outside visible ASCII, space and tab. Kestrel admits such
/// values, but the forwarder cannot send them on, so a client's malformed header would otherwise surface as a 502:
/// a server error for the client's mistake. Found by the reliability suite's hostile corpus.
/// </summary>
internal sealed class HeaderValueGuardMiddleware(RequestDelegate next, Rejection rejection)
{
    public Task InvokeAsync(HttpContext context)
    {
        foreach (var header in context.Request.Headers)
        {
            foreach (var value in header.Value)
            {
                if (value is not null && !IsVisibleAscii(value))
                {
                    return rejection.RejectAsync(context, StatusCodes.Status400BadRequest, "bad_request", $"malformed request: header {header.Key} holds characters outside printable ASCII");
                }
            }
        }

        return next(context);
    }

    private static bool IsVisibleAscii(string value)
    {
        foreach (var c in value)
        {
            if (c is not ('\t' or (>= ' ' and <= '~')))
            {
                return false;
            }
        }

        return true;
    }
}
