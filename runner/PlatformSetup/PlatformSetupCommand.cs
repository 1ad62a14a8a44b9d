using System.Text.Json;
using System.Text.RegularExpressions;

namespace Codeur.Runner.PlatformSetup;

/// <summary>
/// <c>Codeur.Runner discord register --application-id ID [--guild-id ID] [--api-url URL] [--dry-run]</c>: registers the
/// <c>/agent</c> command with the bot token from <c>DISCORD_BOT_TOKEN</c> (never an argument: argv is visible to
/// every user of the host, and never printed). Runs instead of the service when the first argument is <c>discord</c>.
/// </summary>
internal static partial class PlatformSetupCommand
{
    public const string TokenVariable = "DISCORD_BOT_TOKEN";
    public const string DefaultApiUrl = "https://discord.com/api/v10";

    private const string Usage =
        "usage: Codeur.Runner discord register --application-id ID [--guild-id ID] [--api-url URL] [--dry-run]\n" +
        "  registers the /agent slash command; the bot token is read from DISCORD_BOT_TOKEN\n" +
        "  --application-id  the application's id (or DISCORD_APPLICATION_ID)\n" +
        "  --guild-id        register in this guild only (immediate; global commands may take a while to appear)\n" +
        "  --api-url         Discord's API base (default " + DefaultApiUrl + "; the runner's replies.discord_api_url)\n" +
        "  --dry-run         print the command's JSON and send nothing";

    public static bool Handles(string[] args) => args is ["discord", ..];

    public static async Task<int> RunAsync(
        string[] args, Func<string, string?> environment, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (args is not ["discord", "register", .. var rest])
        {
            await error.WriteLineAsync(Usage);
            return 2;
        }

        string? application = environment("DISCORD_APPLICATION_ID"), guild = null, api = DefaultApiUrl;
        var dryRun = false;
        for (var i = 0; i < rest.Length; i++)
        {
            switch (rest[i])
            {
                case "--application-id" when i + 1 < rest.Length:
                    application = rest[++i];
                    break;
                case "--guild-id" when i + 1 < rest.Length:
                    guild = rest[++i];
                    break;
                case "--api-url" when i + 1 < rest.Length:
                    api = rest[++i];
                    break;
                case "--dry-run":
                    dryRun = true;
                    break;
                default:
                    await error.WriteLineAsync($"unknown or incomplete argument '{rest[i]}'\n{Usage}");
                    return 2;
            }
        }

        // Ids go into the URL path: only Discord snowflakes (decimal digits) are accepted.
        if (application is null || !Snowflake().IsMatch(application))
        {
            await error.WriteLineAsync($"--application-id must be the application's numeric id\n{Usage}");
            return 2;
        }

        if (guild is not null && !Snowflake().IsMatch(guild))
        {
            await error.WriteLineAsync("--guild-id must be a numeric guild id");
            return 2;
        }

        if (!Uri.TryCreate(api, UriKind.Absolute, out var apiBase) || (apiBase.Scheme != Uri.UriSchemeHttps && apiBase.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(apiBase.UserInfo) || !string.IsNullOrEmpty(apiBase.Query))
        {
            await error.WriteLineAsync("--api-url must be an http(s) URL without credentials or query");
            return 2;
        }

        var where = guild is null ? "globally" : $"in guild {guild}";
        if (dryRun)
        {
            await output.WriteLineAsync($"POST {apiBase.AbsoluteUri.TrimEnd('/')}{DiscordCommandRegistrar.PathFor(application, guild)}");
            await output.WriteLineAsync(DiscordAgentCommand.Definition(guild is null).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }

        var token = environment(TokenVariable);
        if (string.IsNullOrWhiteSpace(token))
        {
            await error.WriteLineAsync($"{TokenVariable} is not set: the bot token authorises the registration");
            return 2;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        RegistrationResult result;
        try
        {
            result = await new DiscordCommandRegistrar(http).RegisterAsync(apiBase, token.Trim(), application, guild, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await error.WriteLineAsync($"Discord's API at {apiBase.Host} did not answer: {ex.Message}");
            return 1;
        }

        if (!result.Succeeded)
        {
            await error.WriteLineAsync($"Discord refused the registration ({(int)result.Status} {result.Status}): {result.Error}");
            return 1;
        }

        await output.WriteLineAsync($"Registered /{Intake.Platforms.DiscordPayloadParser.CommandName} {where} for application {application} (command id {result.CommandId ?? "unknown"}).");
        return 0;
    }

    [GeneratedRegex("^[0-9]{1,20}$", RegexOptions.CultureInvariant)]
    private static partial Regex Snowflake();
}
