namespace Codeur.Gateway.Authentication;

/// <summary>
/// The first credential that was presented and did not verify. Kept as a request feature because the policy
/// evaluator merges scheme results and would otherwise lose the reason the client deserves to hear.
/// </summary>
internal sealed class AuthenticationFailure(string reason)
{
    public string Reason { get; } = reason;

    public static AuthenticateResult Fail(HttpContext context, string reason)
    {
        if (context.Features.Get<AuthenticationFailure>() is null)
        {
            context.Features.Set(new AuthenticationFailure(reason));
        }

        return AuthenticateResult.Fail(reason);
    }
}
