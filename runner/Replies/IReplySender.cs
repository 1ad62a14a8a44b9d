namespace Codeur.Runner.Replies;

/// <summary>Delivers stored replies to one platform through its production HTTP client.</summary>
internal interface IReplySender
{
    /// <summary>github, slack or discord.</summary>
    string Platform { get; }

    Task<ReplyDelivery> SendAsync(StoredReply reply, CancellationToken cancellationToken);
}
