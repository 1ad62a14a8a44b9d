using Microsoft.AspNetCore.Authorization;

namespace Codeur.Gateway.Authentication;

internal static class AuthenticationExtensions
{
    /// <summary>
    /// One scheme per credential type and one policy per route family: a platform route accepts its own signature
    /// or a bearer token, the API routes only a bearer token. There is no default scheme: deny unless verified.
    /// </summary>
    public static IServiceCollection AddGatewayAuthentication(this IServiceCollection services)
    {
        services.AddSingleton<BearerTokens>();
        services.AddSingleton<PlatformSecrets>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, RejectingAuthorizationResultHandler>();

        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(GatewayAuthentication.Bearer, null)
            .AddScheme<AuthenticationSchemeOptions, GitHubSignatureHandler>(GatewayAuthentication.GitHub, null)
            .AddScheme<AuthenticationSchemeOptions, SlackSignatureHandler>(GatewayAuthentication.Slack, null)
            .AddScheme<AuthenticationSchemeOptions, DiscordSignatureHandler>(GatewayAuthentication.Discord, null);

        services.AddAuthorizationBuilder()
            .AddPolicy("github", Policy(GatewayAuthentication.GitHub, GatewayAuthentication.Bearer))
            .AddPolicy("slack", Policy(GatewayAuthentication.Slack, GatewayAuthentication.Bearer))
            .AddPolicy("discord", Policy(GatewayAuthentication.Discord, GatewayAuthentication.Bearer))
            .AddPolicy("bearer", Policy(GatewayAuthentication.Bearer));
        return services;
    }

    private static AuthorizationPolicy Policy(params string[] schemes) =>
        new AuthorizationPolicyBuilder(schemes).RequireAuthenticatedUser().Build();
}
