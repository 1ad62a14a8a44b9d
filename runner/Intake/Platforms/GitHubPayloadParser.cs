using System.Text;
using System.Text.Json;
using Codeur.Runner.Intake.Commands;

namespace Codeur.Runner.Intake.Platforms;

/// <summary>
/// GitHub webhooks (JSON or the form encoding with a <c>payload</c> field): <c>ping</c>, command comments
/// (<c>issue_comment</c> created, on issues and pull requests) and events mapped in <c>webhook.github.events</c>.
/// </summary>
internal sealed class GitHubPayloadParser : IPlatformParser
{
    public const string EventHeader = "X-GitHub-Event";
    public const string DeliveryHeader = "X-GitHub-Delivery";

    private const string Platform = "github";

    string IPlatformParser.Platform => Platform;

    public IntakeResult Parse(PlatformRequest request, CommandLineParser commands)
    {
        // GitHub always sends a delivery id; a signed request without one is not GitHub's and cannot be deduplicated.
        if (request.Signed && string.IsNullOrEmpty(Payload.Header(request, DeliveryHeader)))
        {
            return IntakeResult.Malformed($"{DeliveryHeader} is required");
        }

        if (Payload.CheckContentType(request.ContentType, out var kind, BodyKind.Json, BodyKind.Form) is { } unsupported)
        {
            return unsupported;
        }

        var body = request.Body;
        if (kind == BodyKind.Form)
        {
            var form = Payload.ParseForm(body, out var formError);
            if (form is null)
            {
                return formError!;
            }

            if (!form.TryGetValue("payload", out var payload))
            {
                return IntakeResult.Malformed("form body has no 'payload' field");
            }

            body = Encoding.UTF8.GetBytes(payload);
        }

        using var document = Payload.ParseJson(body, out var jsonError);
        if (document is null)
        {
            return jsonError!;
        }

        try
        {
            return Parse(request, document.RootElement, commands);
        }
        catch (PayloadException ex)
        {
            return IntakeResult.Malformed(ex.Message);
        }
    }

    private static IntakeResult Parse(PlatformRequest request, JsonElement root, CommandLineParser commands)
    {
        var eventName = Payload.Header(request, EventHeader)?.ToLowerInvariant() ?? InferEvent(root);
        if (eventName is null)
        {
            return new IntakeResult.Ignored("no X-GitHub-Event header and the body is not a known event");
        }

        return eventName switch
        {
            "ping" => IntakeResult.Ping.Instance,
            "issue_comment" => ParseComment(request, root, commands),
            _ => ParseMappedEvent(request, root, eventName, commands),
        };
    }

    // CI systems post GitHub-shaped bodies with a bearer token and no event header (the spec's curl example).
    private static string? InferEvent(JsonElement root)
    {
        if (Payload.Get(root, "pull_request") is { ValueKind: JsonValueKind.Object } && Payload.Get(root, "action") is { ValueKind: JsonValueKind.String })
        {
            return "pull_request";
        }

        if (Payload.Get(root, "comment") is { ValueKind: JsonValueKind.Object } && Payload.Get(root, "issue") is { ValueKind: JsonValueKind.Object })
        {
            return "issue_comment";
        }

        return Payload.Get(root, "zen") is not null && Payload.Get(root, "hook_id") is not null ? "ping" : null;
    }

    private static IntakeResult ParseComment(PlatformRequest request, JsonElement root, CommandLineParser commands)
    {
        var action = Payload.String(root, "action");
        if (action != "created")
        {
            return new IntakeResult.Ignored($"issue_comment action '{Short(action)}' is not a new comment");
        }

        var comment = Payload.Get(root, "comment") ?? throw new PayloadException("issue_comment has no 'comment' object");
        var issue = Payload.Get(root, "issue") ?? throw new PayloadException("issue_comment has no 'issue' object");
        var text = Payload.String(comment, "body", Payload.MaxTextLength);
        if (!commands.IsAddressed(text))
        {
            return new IntakeResult.Ignored("comment is not a command");
        }

        if (BotIgnored(root, Payload.Get(comment, "user"), commands) is { } bot)
        {
            return bot;
        }

        var login = Payload.Get(comment, "user") is { } user ? Payload.String(user, "login") : null;
        login ??= Payload.Get(root, "sender") is { } sender ? Payload.String(sender, "login") : null;
        if (login is null)
        {
            return IntakeResult.Malformed("comment has no 'user.login'");
        }

        var repository = RepositoryName(root);
        var commentId = Number(comment, "id");

        // What the signature covers: a replayed body under a new delivery id is the same comment, so the same task.
        var dedupe = request.Signed && commentId is { } id ? $"{Platform}:comment:{id}:{action}" : DedupeKey(request);
        var template = new CommandRequest
        {
            Platform = Platform,
            Command = "",
            Requester = login,
            Repository = repository,
            Association = Payload.String(comment, "author_association") ?? "NONE",
            IsRelay = !request.Signed,
            DedupeKey = dedupe,
            ReplyContext = Payload.ReplyContext(
                ("repository", repository),
                ("issue_number", Number(issue, "number")),
                ("comment_id", commentId),
                ("is_pull_request", Payload.Get(issue, "pull_request") is { ValueKind: JsonValueKind.Object })),
        };
        return new IntakeResult.Addressed(template, new CommandInput.Text(text, RequirePrefix: true));
    }

    private static IntakeResult ParseMappedEvent(PlatformRequest request, JsonElement root, string eventName, CommandLineParser commands)
    {
        var action = Payload.Get(root, "action") is { ValueKind: JsonValueKind.String } a ? Payload.Text(a, "action").ToLowerInvariant() : null;
        var events = commands.Settings.GitHubEvents;
        var label = action is null ? eventName : $"{eventName}.{action}";
        if (!(action is not null && events.TryGetValue(label, out var command)) && !events.TryGetValue(eventName, out command))
        {
            return new IntakeResult.Ignored($"event {Short(label)} is not mapped to a command");
        }

        if (BotIgnored(root, null, commands) is { } bot)
        {
            return bot;
        }

        var pullRequest = Payload.Get(root, "pull_request");
        var issue = pullRequest ?? Payload.Get(root, "issue");
        var requester = (Payload.Get(root, "sender") is { } sender ? Payload.String(sender, "login") : null)
            ?? (issue is { } i && Payload.Get(i, "user") is { } user ? Payload.String(user, "login") : null)
            ?? request.Identity
            ?? Platform;
        var repository = RepositoryName(root);

        // For a signed event, what identifies it is in the body: the same pull request at the same head, for the same action.
        var subject = issue is { } s ? Number(s, "id") : null;
        var head = pullRequest is { } pr && Payload.Get(pr, "head") is { ValueKind: JsonValueKind.Object } h ? Payload.String(h, "sha") : null;
        var dedupe = request.Signed && subject is { } subjectId ? $"{Platform}:{eventName}:{subjectId}:{action}:{head}" : DedupeKey(request);
        var template = new CommandRequest
        {
            Platform = Platform,
            Command = "",
            Requester = requester,
            Repository = repository,

            // Real GitHub payloads always carry the association; a CI caller that posts without it was authenticated by token.
            Association = issue is { } subjectIssue ? Payload.String(subjectIssue, "author_association") : null,
            IsRelay = !request.Signed,
            DedupeKey = dedupe,
            RoutingText = issue is { } titled ? Payload.String(titled, "title", Payload.MaxTextLength) : null,
            ReplyContext = Payload.ReplyContext(
                ("repository", repository),
                ("issue_number", issue is { } numbered ? Number(numbered, "number") : null),
                ("is_pull_request", pullRequest is not null),
                ("event", label)),
        };
        var hint = Payload.Get(root, "project") is { ValueKind: JsonValueKind.String } ? Payload.String(root, "project") : null;
        return new IntakeResult.Addressed(template, new CommandInput.Parts(command, [], hint));
    }

    private static IntakeResult.Ignored? BotIgnored(JsonElement root, JsonElement? author, CommandLineParser commands)
    {
        if (commands.Settings.GitHubAllowBots)
        {
            return null;
        }

        var senderType = Payload.Get(root, "sender") is { } sender ? Payload.String(sender, "type") : null;
        var authorType = author is { } a ? Payload.String(a, "type") : null;
        return senderType == "Bot" || authorType == "Bot" ? new IntakeResult.Ignored("bot senders may not trigger commands") : null;
    }

    // The CI example has no top-level repository; a pull request still names its base repository.
    private static string? RepositoryName(JsonElement root) =>
        (Payload.Get(root, "repository") is { } repository ? Payload.String(repository, "full_name") : null)
        ?? (Payload.Get(root, "pull_request", "base", "repo") is { } baseRepo ? Payload.String(baseRepo, "full_name") : null);

    private static long? Number(JsonElement element, string name) =>
        Payload.Get(element, name) is { ValueKind: JsonValueKind.Number } n && n.TryGetInt64(out var value) ? value : null;

    private static string? DedupeKey(PlatformRequest request) =>
        Payload.Header(request, DeliveryHeader) is { } delivery ? $"{Platform}:{delivery}" : null;

    private static string Short(string? value) => value is null ? "(none)" : value.Length > 40 ? value[..40] + "…" : value;
}
