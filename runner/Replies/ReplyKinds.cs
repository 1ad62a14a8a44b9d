namespace Codeur.Runner.Replies;

internal static class ReplyKinds
{
    public static string ToName(this ReplyKind kind) => kind switch
    {
        ReplyKind.Ack => "ack",
        ReplyKind.Progress => "progress",
        ReplyKind.Ending => "ending",
        ReplyKind.Rejection => "rejection",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown reply kind"),
    };

    public static ReplyKind Parse(string name) => name switch
    {
        "ack" => ReplyKind.Ack,
        "progress" => ReplyKind.Progress,
        "ending" => ReplyKind.Ending,
        "rejection" => ReplyKind.Rejection,
        _ => throw new FormatException($"unknown reply kind '{name}'"),
    };
}
