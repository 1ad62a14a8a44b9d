using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Codeur.IntegrationTests.Publishing;

/// <summary>
/// A forge in one Kestrel server: bare repositories served over smart HTTP by Debian's <c>git http-backend</c> (a CGI
/// bridge: request meta-variables in the environment, body on stdin, CGI headers then body on stdout), behind HTTP
/// Basic authentication with one token, as GitHub takes it; and the recording stand-in for GitHub's pull request API
/// (<c>POST /api/repos/{o}/{r}/pulls</c> opens one and answers like GitHub, <c>GET .../pulls/{n}</c> reads it).
/// </summary>
internal sealed class FakeForge : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _root;
    private readonly string _token;
    private readonly Lock _gate = new();
    private readonly List<ForgeRequest> _requests = [];
    private readonly Dictionary<int, JsonObject> _pulls = [];

    private FakeForge(WebApplication app, string root, string token)
    {
        _app = app;
        _root = root;
        _token = token;
    }

    /// <summary>http://ADDRESS:PORT, reachable from containers on a network whose gateway is that address.</summary>
    public string BaseUrl { get; private set; } = "";

    public string ApiUrl => BaseUrl + "/api";

    /// <summary>Where the bare repositories live on the host.</summary>
    public string Root => _root;

    public IReadOnlyList<ForgeRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<FakeForge> StartAsync(IPAddress address, string token)
    {
        var root = Directory.CreateTempSubdirectory("codeur-forge-").FullName;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://{address}:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var forge = new FakeForge(app, root, token);
        app.Run(forge.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        forge.BaseUrl = app.Urls.Single().TrimEnd('/');
        return forge;
    }

    /// <summary>A bare repository <c>NAME.git</c> holding <paramref name="source"/>'s <c>main</c>; its URL.</summary>
    public async Task<string> CreateRepositoryAsync(string name, string source)
    {
        var path = Path.Combine(_root, name + ".git");
        await Sandbox.Agents.AgentTestKit.GitAsync(_root, "init", "-q", "--bare", "-b", "main", path);
        await Sandbox.Agents.AgentTestKit.GitAsync(source, "push", "-q", path, "main:main");
        return $"{BaseUrl}/git/{name}.git";
    }

    /// <summary>Installs a pre-receive hook that refuses every push with <paramref name="message"/>.</summary>
    public void RefusePushes(string name, string message)
    {
        var hook = Path.Combine(_root, name + ".git", "hooks", "pre-receive");
        File.WriteAllText(hook, $"#!/bin/sh\necho '{message}' >&2\nexit 1\n");
        File.SetUnixFileMode(hook, (UnixFileMode)0b111_101_101);
    }

    /// <summary>The commit a branch of a bare repository points at, or null.</summary>
    public async Task<string?> BranchHeadAsync(string name, string branch)
    {
        var (code, output) = await Sandbox.Agents.FakeAgentImage.RunAsync("git",
            ["--git-dir", Path.Combine(_root, name + ".git"), "rev-parse", "--verify", "-q", "refs/heads/" + branch], TimeSpan.FromSeconds(30));
        return code == 0 ? output.Trim() : null;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var authorized = Authorized(context.Request.Headers.Authorization.ToString(), path.StartsWith("/git/", StringComparison.Ordinal));
        if (path.StartsWith("/git/", StringComparison.Ordinal))
        {
            Record(context, authorized, "");
            if (!authorized)
            {
                context.Response.StatusCode = 401;
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"fake forge\"";
                return;
            }

            await CgiAsync(context, path["/git".Length..]);
            return;
        }

        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        Record(context, authorized, body);
        if (!authorized)
        {
            context.Response.StatusCode = 401;
            await context.Response.WriteAsJsonAsync(new { message = "Bad credentials" });
            return;
        }

        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        // api repos OWNER REPO pulls [N]
        if (parts is ["api", "repos", var owner, var repo, "pulls"] && context.Request.Method == "POST")
        {
            var request = JsonNode.Parse(body)!.AsObject();
            JsonObject pull;
            lock (_gate)
            {
                var number = _pulls.Count + 1;
                pull = new JsonObject
                {
                    ["number"] = number,
                    ["html_url"] = $"https://github.example/{owner}/{repo}/pull/{number}",
                    ["state"] = "open",
                    ["draft"] = request["draft"]?.GetValue<bool>() ?? false,
                    ["title"] = request["title"]?.GetValue<string>(),
                    ["head"] = new JsonObject { ["ref"] = request["head"]?.GetValue<string>(), ["repo"] = new JsonObject { ["full_name"] = $"{owner}/{repo}" } },
                    ["base"] = new JsonObject { ["ref"] = request["base"]?.GetValue<string>() },
                };
                _pulls[number] = pull;
            }

            context.Response.StatusCode = 201;
            await context.Response.WriteAsync(pull.ToJsonString(), context.RequestAborted);
            return;
        }

        if (parts is ["api", "repos", _, _, "pulls", var n] && context.Request.Method == "GET" && int.TryParse(n, out var wanted))
        {
            JsonObject? found;
            lock (_gate)
            {
                found = _pulls.GetValueOrDefault(wanted);
            }

            context.Response.StatusCode = found is null ? 404 : 200;
            await context.Response.WriteAsync(found?.ToJsonString() ?? "{\"message\":\"Not Found\"}", context.RequestAborted);
            return;
        }

        context.Response.StatusCode = 404;
        await context.Response.WriteAsJsonAsync(new { message = "Not Found" });
    }

    /// <summary>Git sends Basic (user anything, password the token); the API, Bearer.</summary>
    private bool Authorized(string header, bool git)
    {
        if (git && header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            try
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..]));
                return pair.EndsWith(":" + _token, StringComparison.Ordinal);
            }
            catch (FormatException)
            {
                return false;
            }
        }

        return !git && header == "Bearer " + _token;
    }

    private void Record(HttpContext context, bool authorized, string body)
    {
        lock (_gate)
        {
            _requests.Add(new ForgeRequest(context.Request.Method, context.Request.Path + context.Request.QueryString,
                context.Request.Headers.Authorization.ToString(), authorized, body));
        }
    }

    /// <summary>RFC 3875 in miniature: enough of CGI for <c>git http-backend</c>.</summary>
    private async Task CgiAsync(HttpContext context, string pathInfo)
    {
        var info = new ProcessStartInfo("git")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("http-backend");
        info.Environment["GIT_PROJECT_ROOT"] = _root;
        info.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
        info.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        info.Environment["REQUEST_METHOD"] = context.Request.Method;
        info.Environment["PATH_INFO"] = pathInfo;
        info.Environment["QUERY_STRING"] = context.Request.QueryString.HasValue ? context.Request.QueryString.Value![1..] : "";
        info.Environment["CONTENT_TYPE"] = context.Request.ContentType ?? "";
        info.Environment["REMOTE_USER"] = "codeur";
        info.Environment["REMOTE_ADDR"] = context.Connection.RemoteIpAddress?.ToString() ?? "";
        if (context.Request.ContentLength is { } length)
        {
            info.Environment["CONTENT_LENGTH"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (context.Request.Headers.ContentEncoding.ToString() is { Length: > 0 } encoding)
        {
            info.Environment["HTTP_CONTENT_ENCODING"] = encoding;
        }

        if (context.Request.Headers["Git-Protocol"].ToString() is { Length: > 0 } protocol)
        {
            info.Environment["GIT_PROTOCOL"] = protocol;
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(context.RequestAborted);
        await context.Request.Body.CopyToAsync(process.StandardInput.BaseStream, context.RequestAborted);
        process.StandardInput.Close();

        var output = process.StandardOutput.BaseStream;
        var headerBytes = new List<byte>();
        var one = new byte[1];
        while (await output.ReadAsync(one, context.RequestAborted) == 1)
        {
            headerBytes.Add(one[0]);
            var n = headerBytes.Count;
            if (n >= 2 && headerBytes[n - 1] == '\n' && (headerBytes[n - 2] == '\n' || (n >= 4 && headerBytes[n - 2] == '\r' && headerBytes[n - 3] == '\n')))
            {
                break;
            }
        }

        foreach (var line in Encoding.ASCII.GetString([.. headerBytes]).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.StatusCode = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                context.Response.Headers.Append(name, value);
            }
        }

        await output.CopyToAsync(context.Response.Body, context.RequestAborted);
        await process.WaitForExitAsync(context.RequestAborted);
        await stderr;
    }
}

/// <summary>One request the forge received; <see cref="Authorized"/> says whether it carried the token.</summary>
internal sealed record ForgeRequest(string Method, string Path, string Authorization, bool Authorized, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();
}
