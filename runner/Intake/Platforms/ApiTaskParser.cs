using System.Text.Json;
using Codeur.Runner.Intake.Commands;

namespace Codeur.Runner.Intake.Platforms;

/// <summary>
/// <c>POST /api/tasks</c> JSON <c>{"command", "args", "project"?}</c>. <c>args</c> is a list of arguments or
/// one string taken as a single argument (the task text, unchanged: no quote processing). The requester is the
/// caller identity the gateway verified; an <c>Idempotency-Key</c> header dedupes retries.
/// </summary>
internal sealed class ApiTaskParser : IPlatformParser
{
    public const string IdempotencyHeader = "Idempotency-Key";
    private const int MaxArgs = 64;

    private const string Platform = "api";

    string IPlatformParser.Platform => Platform;

    public IntakeResult Parse(PlatformRequest request, CommandLineParser commands)
    {
        using var document = Payload.ReadJsonObject(request, out var error);
        if (document is null)
        {
            return error!;
        }

        var root = document.RootElement;
        try
        {
            var command = Payload.String(root, "command");
            if (command is null)
            {
                return IntakeResult.Malformed("'command' is required");
            }

            var args = new List<string>();
            switch (Payload.Get(root, "args"))
            {
                case null or { ValueKind: JsonValueKind.Null }:
                    break;
                case { ValueKind: JsonValueKind.String }:
                    args.Add(Payload.String(root, "args", Payload.MaxTextLength)!);
                    break;
                case { ValueKind: JsonValueKind.Array } array:
                    if (array.GetArrayLength() > MaxArgs)
                    {
                        return IntakeResult.Malformed($"'args' has more than {MaxArgs} items");
                    }

                    foreach (var item in array.EnumerateArray())
                    {
                        if (item.ValueKind != JsonValueKind.String)
                        {
                            return IntakeResult.Malformed("'args' items must be strings");
                        }

                        args.Add(Payload.Text(item, "args"));
                    }

                    break;
                default:
                    return IntakeResult.Malformed("'args' must be a string or a list of strings");
            }

            var requester = request.Identity ?? Platform;
            var template = new CommandRequest
            {
                Platform = Platform,
                Command = "",
                Requester = requester,
                Repository = Payload.String(root, "repository"),
                DedupeKey = Payload.Header(request, IdempotencyHeader) is { } key ? $"{Platform}:{requester}:{key}" : null,
            };
            return new IntakeResult.Addressed(template, new CommandInput.Parts(command, args, Payload.String(root, "project")));
        }
        catch (PayloadException ex)
        {
            return IntakeResult.Malformed(ex.Message);
        }
    }
}
