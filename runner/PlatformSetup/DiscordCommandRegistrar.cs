using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Codeur.Runner.PlatformSetup;

/// <summary>
/// Creates or updates the <c>/agent</c> command through Discord's HTTP API: <c>POST /applications/{app}/commands</c>
/// (global) or <c>POST /applications/{app}/guilds/{guild}/commands</c>. A POST with an existing name overwrites that
/// command and leaves the application's other commands alone, unlike the bulk <c>PUT</c>.
/// </summary>
internal sealed class DiscordCommandRegistrar(HttpClient http)
{
    public const string UserAgent = "DiscordBot (https://github.com/codeur-gateway, 1.0)";

    public static string PathFor(string applicationId, string? guildId) =>
        guildId is null ? $"/applications/{applicationId}/commands" : $"/applications/{applicationId}/guilds/{guildId}/commands";

    public async Task<RegistrationResult> RegisterAsync(Uri apiBase, string botToken, string applicationId, string? guildId, CancellationToken cancellationToken)
    {
        var url = new Uri(apiBase.AbsoluteUri.TrimEnd('/') + PathFor(applicationId, guildId));
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = JsonContent.Create(DiscordAgentCommand.Definition(global: guildId is null)),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bot", botToken);
        request.Headers.UserAgent.ParseAdd(UserAgent);

        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            // Discord's error bodies never carry the token, but a stand-in or proxy might echo the request.
            return new RegistrationResult(false, response.StatusCode, null, body.Replace(botToken, "[redacted]", StringComparison.Ordinal));
        }

        string? id = null;
        try
        {
            id = JsonNode.Parse(body)?["id"]?.GetValue<string>();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // A success without the command's id still registered it; say so rather than fail.
        }

        return new RegistrationResult(true, response.StatusCode, id, null);
    }
}

/// <summary>What Discord answered: the command's id on success, its error text otherwise.</summary>
internal sealed record RegistrationResult(bool Succeeded, HttpStatusCode Status, string? CommandId, string? Error);
