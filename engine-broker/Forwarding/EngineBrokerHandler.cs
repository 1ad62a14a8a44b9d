using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Codeur.Audit;
using Codeur.EngineBroker.Configuration;
using Codeur.EngineBroker.Create;
using Codeur.EngineBroker.Engine;
using Codeur.EngineBroker.Requests;
using Codeur.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Codeur.EngineBroker.Forwarding;

/// <summary>
/// Every request to the broker: parse the request line against the closed list of calls, refuse any body except
/// on create, admit create only as the allowlist model and forward the body serialised here, resolve and check the
/// container of a lifecycle call, then relay the engine's answer (streamed for wait, a raw two-way stream for attach).
/// A refusal is a 403 <c>{"error": "FIELD: problem"}</c> and an <c>engine_request_refused</c> audit record.
/// </summary>
internal sealed partial class EngineBrokerHandler(
    BrokerPolicy policy,
    EngineClient engine,
    CreateBodyValidator validator,
    ContainerOwnership ownership,
    AuditLog audit,
    ILogger<EngineBrokerHandler> logger)
{
    /// <summary>The runner's create bodies are about 2 KB; a larger body is not one of them.</summary>
    public const int MaxCreateBodyBytes = 256 * 1024;

    private static readonly string[] RelayedHeaders = ["Api-Version", "Docker-Experimental", "Ostype", "Server"];

    public async Task HandleAsync(HttpContext context)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        EngineRoute? route = null;
        try
        {
            route = EngineRoute.Parse(context.Request.Method, rawTarget, policy.Options.MinApiVersion);
            if (route.Operation != EngineOperation.Create && HasBody(context.Request))
            {
                throw new EngineRequestRefusedException("body", "this call takes no body");
            }

            await (route.Operation switch
            {
                EngineOperation.Create => CreateAsync(context, route),
                EngineOperation.List => ListAsync(context, route),
                EngineOperation.Ping => ForwardAsync(context, new HttpMethod(context.Request.Method), route.VersionSegment + "/_ping", streaming: false),
                EngineOperation.Version => ForwardAsync(context, HttpMethod.Get, route.VersionSegment + "/version", streaming: false),
                EngineOperation.Attach => AttachAsync(context, route),
                _ => LifecycleAsync(context, route),
            });
        }
        catch (EngineRequestRefusedException refused)
        {
            Log.Refused(logger, context.Request.Method, route?.Operation.ToString() ?? "unknown", refused.Message);
            audit.Write(new AuditRecord("engine_request_refused")
            {
                Level = "warning",
                Reason = refused.Message,
                Status = StatusCodes.Status403Forbidden,
                Method = context.Request.Method,
                Path = route?.Operation.ToString().ToLowerInvariant() ?? "unknown",
                RemoteAddress = context.Connection.RemoteIpAddress?.ToString(),
            });
            await JsonError.WriteAsync(context, StatusCodes.Status403Forbidden, refused.Message);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !context.RequestAborted.IsCancellationRequested)
        {
            Log.EngineUnreachable(logger, ex.Message);
            await JsonError.WriteAsync(context, StatusCodes.Status502BadGateway, "the container engine did not answer");
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            await JsonError.WriteAsync(context, StatusCodes.Status504GatewayTimeout, "the container engine did not answer in time");
        }
        catch (OperationCanceledException)
        {
            // The client went away (a cancelled wait, a killed attach): nothing left to answer.
        }
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    private async Task CreateAsync(HttpContext context, EngineRoute route)
    {
        var body = await ReadBodyAsync(context.Request, context.RequestAborted);
        var container = validator.Validate(body);

        var canonical = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(canonical))
        {
            container.WriteTo(json);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, EngineClient.Address(route.VersionSegment + "/containers/create"))
        {
            Content = new ReadOnlyMemoryContent(canonical.WrittenMemory),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var timeout = Bounded(context);
        using var response = await engine.SendAsync(request, timeout.Token);
        var answer = await response.Content.ReadAsByteArrayAsync(timeout.Token);
        if (response.StatusCode == HttpStatusCode.Created && TryReadId(answer) is { } id)
        {
            ownership.Remember(id);
        }

        await RelayAsync(context, response, answer);
    }

    private async Task ListAsync(HttpContext context, EngineRoute route)
    {
        var filters = ListFilters.Force(route.Query.GetValueOrDefault("filters"), policy.RunnerId);
        var query = new Dictionary<string, string>(StringComparer.Ordinal) { ["filters"] = filters };
        if (route.Query.TryGetValue("all", out var all))
        {
            query["all"] = all;
        }

        await ForwardAsync(context, HttpMethod.Get, route.VersionSegment + "/containers/json" + route.QueryString(query), streaming: false);
    }

    private async Task LifecycleAsync(HttpContext context, EngineRoute route)
    {
        var (id, answer) = await ownership.ResolveAsync(route, context.RequestAborted);
        if (answer is not null)
        {
            using (answer)
            {
                await RelayAsync(context, answer, await answer.Content.ReadAsByteArrayAsync(context.RequestAborted));
            }

            return;
        }

        var path = route.VersionSegment + "/containers/" + id;
        var (method, suffix) = route.Operation switch
        {
            EngineOperation.Inspect => (HttpMethod.Get, "/json"),
            EngineOperation.Start => (HttpMethod.Post, "/start"),
            EngineOperation.Wait => (HttpMethod.Post, "/wait"),
            EngineOperation.Kill => (HttpMethod.Post, "/kill"),
            EngineOperation.Remove => (HttpMethod.Delete, ""),
            _ => throw new InvalidOperationException(route.Operation.ToString()),
        };
        var status = await ForwardAsync(context, method, path + suffix + route.QueryString(), streaming: route.Operation == EngineOperation.Wait);
        if (route.Operation == EngineOperation.Remove && status is HttpStatusCode.NoContent or HttpStatusCode.NotFound)
        {
            ownership.Forget(id!);
        }
    }

    /// <summary>
    /// Attach hijacks the connection: the engine answers 101 and both sides then speak raw bytes (stdout/stderr
    /// frames down, stdin up). The broker upgrades its own client connection the same way and pumps both directions
    /// until the engine ends the stream (the container exited) or the client goes away.
    /// </summary>
    private async Task AttachAsync(HttpContext context, EngineRoute route)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is not { IsUpgradableRequest: true })
        {
            throw new EngineRequestRefusedException("header.Upgrade", "attach must ask to upgrade the connection (Connection: Upgrade, Upgrade: tcp)");
        }

        var (id, answer) = await ownership.ResolveAsync(route, context.RequestAborted);
        if (answer is not null)
        {
            using (answer)
            {
                await RelayAsync(context, answer, await answer.Content.ReadAsByteArrayAsync(context.RequestAborted));
            }

            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, EngineClient.Address($"{route.VersionSegment}/containers/{id}/attach{route.QueryString()}"));
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new ProductHeaderValue("tcp"));
        using var response = await engine.SendAsync(request, context.RequestAborted);
        if (response.StatusCode != HttpStatusCode.SwitchingProtocols)
        {
            await RelayAsync(context, response, await response.Content.ReadAsByteArrayAsync(context.RequestAborted));
            return;
        }

        await using var engineStream = await response.Content.ReadAsStreamAsync(context.RequestAborted);
        context.Response.Headers.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/vnd.docker.raw-stream";
        context.Response.Headers.Upgrade = "tcp";
        await using var clientStream = await upgrade.UpgradeAsync();
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var up = clientStream.CopyToAsync(engineStream, done.Token);
        try
        {
            // Down is what ends an attach: the container's output closes when it exits.
            await engineStream.CopyToAsync(clientStream, done.Token);
            await clientStream.FlushAsync(done.Token);
        }
        finally
        {
            await done.CancelAsync();
            try
            {
                await up;
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task<HttpStatusCode> ForwardAsync(HttpContext context, HttpMethod method, string pathAndQuery, bool streaming)
    {
        using var request = new HttpRequestMessage(method, EngineClient.Address(pathAndQuery));
        if (streaming)
        {
            // wait: headers now, the body when the container exits; bounded by the client's own connection.
            using var response = await engine.SendAsync(request, context.RequestAborted);
            CopyHead(context, response);
            await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
            await context.Response.StartAsync(context.RequestAborted);
            await body.CopyToAsync(context.Response.Body, context.RequestAborted);
            return response.StatusCode;
        }

        using var timeout = Bounded(context);
        using var answer = await engine.SendAsync(request, timeout.Token);
        await RelayAsync(context, answer, await answer.Content.ReadAsByteArrayAsync(timeout.Token));
        return answer.StatusCode;
    }

    private static async Task RelayAsync(HttpContext context, HttpResponseMessage response, byte[] body)
    {
        CopyHead(context, response);
        if (!HttpMethods.IsHead(context.Request.Method) && body.Length > 0)
        {
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    private static void CopyHead(HttpContext context, HttpResponseMessage response)
    {
        context.Response.StatusCode = (int)response.StatusCode;
        if (response.Content.Headers.ContentType is { } type)
        {
            context.Response.ContentType = type.ToString();
        }

        foreach (var name in RelayedHeaders)
        {
            if (response.Headers.TryGetValues(name, out var values))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }
    }

    private CancellationTokenSource Bounded(HttpContext context)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        source.CancelAfter(engine.CallTimeout);
        return source;
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxCreateBodyBytes)
        {
            throw new EngineRequestRefusedException("body", "larger than a sandbox create body can be");
        }

        var buffer = new ArrayBufferWriter<byte>(8192);
        while (true)
        {
            var memory = buffer.GetMemory(8192);
            var read = await request.Body.ReadAsync(memory, cancellationToken);
            if (read == 0)
            {
                return buffer.WrittenMemory;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > MaxCreateBodyBytes)
            {
                throw new EngineRequestRefusedException("body", "larger than a sandbox create body can be");
            }
        }
    }

    private static string? TryReadId(byte[] answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer);
            return document.RootElement.TryGetProperty("Id", out var id) && id.GetString() is { Length: 64 } value ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9000, Level = LogLevel.Warning, Message = "Refused {Method} {Operation}: {Reason}")]
        public static partial void Refused(ILogger logger, string method, string operation, string reason);

        [LoggerMessage(EventId = 9001, Level = LogLevel.Error, Message = "Container engine not reachable: {Reason}")]
        public static partial void EngineUnreachable(ILogger logger, string reason);
    }
}
