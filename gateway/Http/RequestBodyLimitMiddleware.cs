using System.Buffers;
using Codeur.Configuration;

namespace Codeur.Gateway.Http;

/// <summary>
/// Reads the body of a forwarded request into memory within the route's limit, whether it came with a
/// Content-Length or chunked, and answers 413 past it. Later stages see a replayable, byte-identical body.
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, AgentConfig config, Rejection rejection)
{
    private readonly Dictionary<string, long> _limits = BuildLimits(config.Webhook.BodyLimits);

    public async Task InvokeAsync(HttpContext context)
    {
        var platform = context.GetPlatform();
        if (!_limits.TryGetValue(platform, out var limit) || HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        {
            await next(context);
            return;
        }

        if (context.Request.ContentLength > limit)
        {
            await rejection.RejectAsync(context, StatusCodes.Status413PayloadTooLarge, "payload_too_large", $"request body exceeds the {limit} byte limit of this route");
            return;
        }

        var body = await ReadAsync(context.Request.Body, limit, context.Request.ContentLength, context.RequestAborted);
        if (body is null)
        {
            await rejection.RejectAsync(context, StatusCodes.Status413PayloadTooLarge, "payload_too_large", $"request body exceeds the {limit} byte limit of this route");
            return;
        }

        context.Response.RegisterForDispose(body);
        context.Features.Set(body);
        context.Request.Body = body.OpenRead();
        await next(context);
    }

    /// <summary>Returns null when the body is larger than <paramref name="limit"/>.</summary>
    private static async Task<BufferedBody?> ReadAsync(Stream stream, long limit, long? contentLength, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(contentLength ?? 4096, 256, limit + 1));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return null;
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > limit)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return null;
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return new BufferedBody(buffer, length);
    }

    private static Dictionary<string, long> BuildLimits(BodyLimitsSection limits)
    {
        var fallback = ByteSize.Parse(limits.Default);
        long Of(string? value) => value is null ? fallback : ByteSize.Parse(value);
        return new(StringComparer.Ordinal)
        {
            ["github"] = Of(limits.Github),
            ["slack"] = Of(limits.Slack),
            ["discord"] = Of(limits.Discord),
            ["api"] = Of(limits.Api),
        };
    }
}
