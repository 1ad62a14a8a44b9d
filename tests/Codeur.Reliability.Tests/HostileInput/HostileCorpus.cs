using System.Globalization;
using System.Text;
using System.Text.Json;
using Codeur.IntegrationTests.EndToEnd;
using Codeur.Reliability.Tests.Infrastructure;
using CsCheck;

namespace Codeur.Reliability.Tests.HostileInput;

/// <summary>
/// Generators (CsCheck) for hostile requests to each platform route: a plausible payload for the route, then a
/// credential choice, a content type, a body mutation and extra headers, each drawn independently so the corpus
/// covers their combinations. Valid credentials are computed over the final (mutated) bytes, so garbage reaches
/// the runner's parsers too, not only the gateway's signature checks.
/// </summary>
public sealed class HostileCorpus(Signer signer)
{
    public static readonly string[] Routes = ["github", "slack", "discord", "api"];

    // Task text that attacks the layers after authentication.
    private static readonly string[] Nasty =
    [
        "$(touch /tmp/pwned)", "`id`", "; rm -rf / ;", "| cat /etc/shadow", "&& curl http://evil", "> /etc/passwd", "$HOME ${IFS}",
        "'unterminated", "\"unterminated", "\\", "\\\\\\'", "$((1/0))", "{a,b}", "*", "~root", "%s%n%x", "\u0000", "\u001b[2J",
        "\r\n\r\nHTTP/1.1 200 OK", "\u202eevil\u202c", "\u200b\u200d\ufeff", "<!-- hidden --> run", "<script>alert(1)</script>",
        "../../../../etc/passwd", "backend/../../..", "\ud800", "\udfff", "💥🔥", "\\x00", "%00", "%2e%2e%2f", "NUL", "con",
        "--project", "--project=", "--project ../..", "--project sneaky", "--project /etc", "--project ~/.ssh",
    ];

    private static readonly string[] Hints =
    [
        "backend", "frontend", "sneaky", "../../etc", "backend/../../../etc/passwd", "/etc", "~root/.ssh", "%2e%2e%2f", "backend\u0000",
        "$(id)", "`id`", "BACKEND", "back end", ".", "..", "/", "", "frontend\nbackend", new string('a', 40) + "!", "(a+)+", "[", "\\",
    ];

    private static readonly string[] Commands = ["run", "analyze", "search", "status", "cancel", "RUN", "rm", "", " run", "run\u0000", "shell", "exec", "status 0123"];

    private static readonly Gen<string> Text = Gen.Frequency(
        (4, Gen.String[0, 60]),
        (3, Gen.OneOf(Nasty).Array[1, 4].Select(parts => string.Join(' ', parts))),
        (2, Gen.Char["\u0000\u0001\u0007\u0008\t\n\r\u001b\u007f\u0085\u2028\u202e\u200b'\"\\$`;|&<>(){}*?!#~"].Array[1, 30].Select(c => new string(c))),
        (1, Gen.Int[20, 3000].Select(n => new string('a', n) + "!")),
        (1, Gen.Int[3990, 6000].Select(n => "fix " + new string('x', n))),
        (2, Gen.OneOf("api server", "web ui", "backend please", "frontend thing", "slow down", "hello world")));

    private static readonly Gen<string?> Hint = Gen.Frequency(
        (3, Gen.Const(() => (string?)null)),
        (4, Gen.OneOf(Hints).Select(h => (string?)h)),
        (1, Gen.String[0, 20].Select(s => (string?)s)));

    private static readonly Gen<string> Command = Gen.Frequency((6, Gen.Const("run")), (3, Gen.OneOf(Commands)));

    private enum Credential
    {
        Valid,
        Missing,
        OffByOne,
        Replayed,
        Future,
        WrongPrefix,
        DuplicateConflicting,
        BearerValid,
        BearerOffByOne,
        BearerLowercaseScheme,
        BearerEmpty,
    }

    private enum Mutation
    {
        None,
        Truncate,
        FlipByte,
        InvalidUtf8,
        DeepNesting,
        Huge,
        Empty,
        RandomBytes,
        WrongShape,
    }

    private static readonly Gen<Credential> Credentials = Gen.Frequency(
        (5, Gen.Const(Credential.Valid)),
        (2, Gen.Const(Credential.Missing)),
        (3, Gen.Const(Credential.OffByOne)),
        (2, Gen.Const(Credential.Replayed)),
        (1, Gen.Const(Credential.Future)),
        (1, Gen.Const(Credential.WrongPrefix)),
        (2, Gen.Const(Credential.DuplicateConflicting)),
        (2, Gen.Const(Credential.BearerValid)),
        (2, Gen.Const(Credential.BearerOffByOne)),
        (1, Gen.Const(Credential.BearerLowercaseScheme)),
        (1, Gen.Const(Credential.BearerEmpty)));

    private static readonly Gen<Mutation> Mutations = Gen.Frequency(
        (6, Gen.Const(Mutation.None)),
        (2, Gen.Const(Mutation.Truncate)),
        (2, Gen.Const(Mutation.FlipByte)),
        (2, Gen.Const(Mutation.InvalidUtf8)),
        (1, Gen.Const(Mutation.DeepNesting)),
        (1, Gen.Const(Mutation.Huge)),
        (1, Gen.Const(Mutation.Empty)),
        (1, Gen.Const(Mutation.RandomBytes)),
        (2, Gen.Const(Mutation.WrongShape)));

    private static readonly Gen<string?> ContentTypes = Gen.Frequency(
        (8, Gen.Const(() => (string?)"")), // the route's own
        (1, Gen.Const(() => (string?)null)),
        (1, Gen.OneOf<string?>("text/plain", "application/json; charset=utf-16", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
            "application/json", "application/xml", "application/json, text/plain", "*/*", "application/json; charset=\u00ff", "")));

    private enum Extra
    {
        None,
        HugeHeader,
        InvalidUtf8Header,
        DuplicateEvent,
        SpoofedIdentity,
        SpoofedForwardedFor,
        ConflictingContentLength,
        ChunkedAndLength,
        ManyHeaders,
        ControlCharHeader,
    }

    private static readonly Gen<Extra> Extras = Gen.Frequency((10, Gen.Const(Extra.None)), (1, Gen.Enum<Extra>()));

    /// <summary>
    /// The hand-picked part: every credential variant against every body mutation, every routing hint and every
    /// nasty text with a valid credential, and every header trick, for one route. Deterministic.
    /// </summary>
    public IEnumerable<HostileRequest> HandPicked(string route)
    {
        var seed = 1;
        foreach (var credential in Enum.GetValues<Credential>())
        {
            foreach (var mutation in Enum.GetValues<Mutation>())
            {
                yield return Build(route, "run", "hand picked $(id) `id` ; | &", "backend", seed++, credential, mutation, "", Extra.None);
            }
        }

        foreach (var hint in Hints)
        {
            yield return Build(route, "run", "hint trick", hint, seed++, Credential.Valid, Mutation.None, "", Extra.None);
        }

        foreach (var text in Nasty)
        {
            yield return Build(route, "run", "nasty " + text, null, seed++, Credential.Valid, Mutation.None, "", Extra.None);
        }

        // Regex-heavy text and hints against a catastrophic routing pattern ((a+)+$ is mapped first).
        foreach (var length in new[] { 30, 200, 3000 })
        {
            yield return Build(route, "run", new string('a', length) + "!", null, seed++, Credential.Valid, Mutation.None, "", Extra.None);
            yield return Build(route, "run", "redos", new string('a', length) + "!", seed++, Credential.Valid, Mutation.None, "", Extra.None);
        }

        foreach (var extra in Enum.GetValues<Extra>())
        {
            yield return Build(route, "run", "header trick", "backend", seed++, Credential.Valid, Mutation.None, "", extra);
            yield return Build(route, "run", "header trick", "backend", seed++, Credential.Missing, Mutation.None, "", extra);
        }

        foreach (var type in new string?[] { null, "text/plain", "application/json; charset=utf-16", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/json", "application/json, text/plain" })
        {
            yield return Build(route, "run", "content type trick", "backend", seed++, Credential.Valid, Mutation.None, type, Extra.None);
        }
    }

    /// <summary>Requests straight to the runner, skipping the gateway: none may be taken for a caller the gateway vouched for.</summary>
    public static IEnumerable<HostileRequest> ToRunnerDirectly()
    {
        var body = Json(new { command = "run", args = new[] { "skipped the gateway" }, project = "backend" });
        (string, byte[]) H(string name, string value) => (name, Encoding.UTF8.GetBytes(value));
        var json = H("Content-Type", "application/json");
        yield return new("runner", "no internal credential", false, RawHttp.Build("POST", "/api/tasks", [json], body), ToRunner: true);
        yield return new("runner", "forged identity, no credential", false, RawHttp.Build("POST", "/api/tasks", [json, H("X-Codeur-Identity", "token:default"), H("X-Codeur-Platform", "api")], body), ToRunner: true);
        yield return new("runner", "internal token off by one", false, RawHttp.Build("POST", "/api/tasks", [json, H("X-Codeur-Internal-Token", CodeurSystem.InternalToken[..^1] + "x"), H("X-Codeur-Identity", "token:default")], body), ToRunner: true);
        yield return new("runner", "client bearer token at the runner", false, RawHttp.Build("POST", "/api/tasks", [json, H("Authorization", "Bearer " + CodeurSystem.Token)], body), ToRunner: true);
        yield return new("runner", "internal token as bearer", false, RawHttp.Build("POST", "/api/tasks", [json, H("Authorization", "Bearer " + CodeurSystem.InternalToken)], body), ToRunner: true);
        yield return new("runner", "status without credential", false, RawHttp.Build("GET", "/status", [], []), ToRunner: true);
    }

    public Gen<HostileRequest> For(string route) =>
        Gen.Select(Command, Text, Hint, Gen.Int[0, int.MaxValue], Credentials, Mutations, ContentTypes, Extras)
            .Select(t => Build(route, t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6, t.Item7, t.Item8));

    private HostileRequest Build(string route, string command, string text, string? hint, int seed, Credential credential, Mutation mutation, string? contentType, Extra extra)
    {
        var random = new Random(seed);
        var (body, ownType) = Payload(route, command, text, hint, random);
        body = Mutate(body, mutation, random);
        var headers = new List<(string, byte[])>();
        void Add(string name, string value) => headers.Add((name, Encoding.UTF8.GetBytes(value)));

        var type = contentType == "" ? ownType : contentType;
        if (type is not null)
        {
            Add("Content-Type", type);
        }

        var valid = AddCredential(route, credential, body, random, Add);
        if (route == "github")
        {
            Add("X-GitHub-Event", random.Next(8) == 0 ? "ping" : "issue_comment");
            Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        }

        var contentLength = true;
        switch (extra)
        {
            case Extra.HugeHeader:
                Add("X-Padding", new string('p', 40_000));
                break;
            case Extra.InvalidUtf8Header:
                headers.Add(("X-Note", [0xC3, 0x28, 0xFF, 0xFE, 0x80]));
                break;
            case Extra.DuplicateEvent:
                Add("X-GitHub-Event", "pull_request");
                Add("X-GitHub-Event", "issue_comment");
                break;
            case Extra.SpoofedIdentity:
                Add("X-Codeur-Identity", "token:admin");
                Add("X-Codeur-Platform", "api");
                Add("X-Codeur-Internal-Token", CodeurSystem.InternalToken);
                break;
            case Extra.SpoofedForwardedFor:
                Add("X-Forwarded-For", "10.0.0.1, 127.0.0.1");
                break;
            case Extra.ConflictingContentLength:
                contentLength = false;
                Add("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture));
                Add("Content-Length", (body.Length + 1).ToString(CultureInfo.InvariantCulture));
                break;
            case Extra.ChunkedAndLength:
                Add("Transfer-Encoding", "chunked");
                break;
            case Extra.ManyHeaders:
                for (var i = 0; i < 150; i++)
                {
                    Add($"X-H{i}", "v");
                }

                break;
            case Extra.ControlCharHeader:
                headers.Add(("X-Ctl", [0x01, 0x7F, 0x00, 0x41]));
                break;
        }

        var path = route == "api" ? "/api/tasks" : "/webhook/" + route;
        var description = $"cmd={command} cred={credential} mutation={mutation} type={type ?? "(none)"} extra={extra} hint={(hint is null ? "(none)" : JsonSerializer.Serialize(hint))} text={JsonSerializer.Serialize(text.Length > 80 ? text[..80] + "..." : text)}";
        return new HostileRequest(route, description, valid, RawHttp.Build("POST", path, headers, body, contentLength));
    }

    /// <summary>Adds the credential headers; returns whether the request carries a credential the system must accept.</summary>
    private bool AddCredential(string route, Credential credential, byte[] body, Random random, Action<string, string> add)
    {
        var token = CodeurSystem.Token;
        switch (credential)
        {
            case Credential.BearerValid:
                add("Authorization", "Bearer " + token);
                return true;
            case Credential.BearerOffByOne:
                add("Authorization", "Bearer " + token[..^1] + (token[^1] == '9' ? '8' : '9'));
                return false;
            case Credential.BearerLowercaseScheme:
                // RFC 9110: the scheme is case-insensitive; accepting or refusing are both safe, so only "no 5xx" is asserted.
                add("Authorization", "bearer " + token);
                return true;
            case Credential.BearerEmpty:
                add("Authorization", "Bearer ");
                return false;
            case Credential.Missing:
                return false;
        }

        if (route == "api")
        {
            // The API takes bearer tokens only: every signature variant is a token variant here.
            add("Authorization", credential == Credential.Valid ? "Bearer " + token : "Bearer " + Signer.OffByOne("x=" + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(token)), random.Next()));
            return credential == Credential.Valid;
        }

        var timestamp = credential switch
        {
            Credential.Replayed => Signer.Now(TimeSpan.FromMinutes(-6 - random.Next(600))),
            Credential.Future => Signer.Now(TimeSpan.FromMinutes(6 + random.Next(600))),
            _ => Signer.Now(),
        };
        var signature = route switch
        {
            "github" => Signer.GitHub(body),
            "slack" => Signer.Slack(body, timestamp),
            _ => signer.Discord(body, timestamp),
        };
        var (signatureHeader, timestampHeader) = route switch
        {
            "github" => ("X-Hub-Signature-256", null),
            "slack" => ("X-Slack-Signature", "X-Slack-Request-Timestamp"),
            _ => ("X-Signature-Ed25519", "X-Signature-Timestamp"),
        };
        if (timestampHeader is not null)
        {
            add(timestampHeader, timestamp);
        }

        switch (credential)
        {
            case Credential.Valid:
                add(signatureHeader, signature);
                return true;
            case Credential.OffByOne:
                add(signatureHeader, Signer.OffByOne(route == "discord" ? "=" + signature : signature, random.Next()).TrimStart('='));
                return false;
            case Credential.WrongPrefix:
                add(signatureHeader, route == "github" ? "sha1=" + signature[7..] : "v1=" + signature);
                return false;
            case Credential.DuplicateConflicting:
                // A valid signature next to a forged one: the pair must not be read as "signed".
                add(signatureHeader, Signer.OffByOne(route == "discord" ? "=" + signature : signature, random.Next()).TrimStart('='));
                add(signatureHeader, signature);
                return false;
            default:
                add(signatureHeader, signature);

                // Replayed or from the future: a valid signature over a stale or forged time. GitHub signs no time (its
                // redeliveries are deduplicated by delivery id instead), so there the signature is simply valid.
                return route == "github";
        }
    }

    private static (byte[] Body, string ContentType) Payload(string route, string command, string text, string? hint, Random random)
    {
        var line = $"{command} {text}" + (hint is null ? "" : $" --project {hint}");
        switch (route)
        {
            case "github":
                var association = random.Next(4) switch { 0 => "NONE", 1 => "MEMBER", _ => "OWNER" };
                var repository = random.Next(3) switch { 0 => "acme/backend", 1 => "../../etc", _ => "acme/" + text };
                return (Json(new
                {
                    action = random.Next(6) == 0 ? "deleted" : "created",
                    issue = new { number = random.Next(), title = text },
                    comment = new { id = random.Next(), body = (random.Next(5) == 0 ? "" : "!agent ") + line, user = new { login = "octo", type = random.Next(10) == 0 ? "Bot" : "User" }, author_association = association },
                    repository = new { full_name = repository },
                    sender = new { login = "octo", type = "User" },
                }), "application/json");
            case "slack":
                if (random.Next(3) == 0)
                {
                    return (Json(new { text = "!agent " + line, user_id = "U" + random.Next(100), channel_id = "C1" }), "application/json");
                }

                var form = $"command=%2Fagent&text={Uri.EscapeDataString(line)}&user_id=U{random.Next(100)}&channel_id=C1&team_id=T1&trigger_id={random.Next()}.{random.Next()}";
                return (Encoding.UTF8.GetBytes(form), "application/x-www-form-urlencoded");
            case "discord":
                if (random.Next(3) == 0)
                {
                    return (Json(new { content = "!agent " + line, author = "u" + random.Next(100), channel_id = "c1" }), "application/json");
                }

                var options = new List<object> { new { name = "command", type = 3, value = command }, new { name = "task", type = 3, value = text } };
                if (hint is not null)
                {
                    options.Add(new { name = "project", type = 3, value = hint });
                }

                return (Json(new
                {
                    id = random.NextInt64().ToString(CultureInfo.InvariantCulture),
                    type = random.Next(10) == 0 ? 1 : 2,
                    application_id = "1",
                    token = "tok",
                    channel_id = "2",
                    member = new { user = new { id = random.Next(1000).ToString(CultureInfo.InvariantCulture) } },
                    data = new { name = "agent", options },
                }), "application/json");
            default:
                return (Json(new { command, args = new[] { text }, project = hint }), "application/json");
        }
    }

    private static byte[] Json(object value) => JsonSerializer.SerializeToUtf8Bytes(value);

    private static byte[] Mutate(byte[] body, Mutation mutation, Random random)
    {
        switch (mutation)
        {
            case Mutation.Truncate:
                return body[..random.Next(body.Length)];
            case Mutation.FlipByte:
                var flipped = body.ToArray();
                if (flipped.Length > 0)
                {
                    flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
                }

                return flipped;
            case Mutation.InvalidUtf8:
                var at = random.Next(body.Length + 1);
                byte[] bad = random.Next(3) switch { 0 => [0xC3, 0x28], 1 => [0xFF, 0xFE], _ => [0xED, 0xA0, 0x80] };
                return [.. body[..at], .. bad, .. body[at..]];
            case Mutation.DeepNesting:
                var depth = random.Next(64, 20_000);
                return Encoding.ASCII.GetBytes(new string('[', depth) + new string(']', depth));
            case Mutation.Huge:
                // Past the 1 MiB default body limit: 413 before anything parses it.
                var huge = new byte[(1 << 20) + random.Next(1, 512 * 1024)];
                huge.AsSpan().Fill((byte)'a');
                huge[0] = (byte)'"';
                huge[^1] = (byte)'"';
                return huge;
            case Mutation.Empty:
                return [];
            case Mutation.RandomBytes:
                var noise = new byte[random.Next(1, 2048)];
                random.NextBytes(noise);
                return noise;
            case Mutation.WrongShape:
                return random.Next(4) switch
                {
                    0 => "[]"u8.ToArray(),
                    1 => "null"u8.ToArray(),
                    2 => "{\"command\":{\"nested\":[1,2,3]},\"args\":7,\"content\":null,\"text\":[],\"type\":1e400}"u8.ToArray(),
                    _ => "{\"a\":1,\"a\":2,\"command\":\"run\",\"command\":\"analyze\"}"u8.ToArray(),
                };
            default:
                return body;
        }
    }
}
