namespace Codeur.Gateway.Http;

/// <summary>
/// Outermost guard: a malformed request that the server detects mid-way (body too large, bad chunking, a client
/// that stopped sending) gets its 4xx as JSON, never a 500; a genuine fault of ours gets a JSON 500 and a log line.
/// </summary>
internal sealed partial class ErrorHandlingMiddleware(RequestDelegate next, Rejection rejection, ILogger<ErrorHandlingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client hung up mid-body (e.g. a load generator stopping): nobody to answer, nothing to audit.
        }
        catch (BadHttpRequestException ex)
        {
            var type = ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? "payload_too_large" : "bad_request";
            await rejection.RejectAsync(context, ex.StatusCode, type, ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? "request body too large" : "malformed request: " + ex.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client hung up; there is nobody to answer.
        }
        catch (Exception ex)
        {
            Log.Unhandled(logger, context.Request.Method, context.Request.Path, ex);
            await rejection.RejectAsync(context, StatusCodes.Status500InternalServerError, "internal", "internal error");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Error, "Unhandled exception for {Method} {Path}")]
        public static partial void Unhandled(ILogger logger, string method, PathString path, Exception exception);
    }
}
