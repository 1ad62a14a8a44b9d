using Codeur.Configuration;
using Codeur.Hosting;
using Microsoft.AspNetCore.Authorization;

namespace Codeur.Gateway.Authentication;

internal static class AuthenticationExtensions
{
    /// <summary>
    /// One scheme per credential type and one policy per route family: a platform route accepts its own signature
    /// or a bearer token holding <c>relay:PLATFORM</c>, the API routes only a bearer token holding <c>api</c>. There is no
    /// default scheme: deny unless verified. Tokens and platform keys follow the live <c>.agent.yaml</c>.
    /// </summary>
    public static IServiceCollection AddGatewayAuthentication(this IServiceCollection services)
    {
        services.AddAgentOptions<BearerTokenOptions>((options, config) => options.Configure(config));
        services.AddAgentOptions<PlatformSecrets>((options, config) => options.Configure(config));
        services.AddSingleton<BearerTokens>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, RejectingAuthorizationResultHandler>();

        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(GatewayAuthentication.Bearer, null)
            .AddScheme<AuthenticationSchemeOptions, GitHubSignatureHandler>(GatewayAuthentication.GitHub, null)
            .AddScheme<AuthenticationSchemeOptions, SlackSignatureHandler>(GatewayAuthentication.Slack, null)
            .AddScheme<AuthenticationSchemeOptions, DiscordSignatureHandler>(GatewayAuthentication.Discord, null);

        services.AddAuthorizationBuilder()
            .AddPolicy("github", Policy(TokenScopes.RelayGithub, GatewayAuthentication.GitHub, GatewayAuthentication.Bearer))
            .AddPolicy("slack", Policy(TokenScopes.RelaySlack, GatewayAuthentication.Slack, GatewayAuthentication.Bearer))
            .AddPolicy("discord", Policy(TokenScopes.RelayDiscord, GatewayAuthentication.Discord, GatewayAuthentication.Bearer))
            .AddPolicy("bearer", Policy(TokenScopes.Api, GatewayAuthentication.Bearer))
            // Whose task it is, the runner decides; here only that the token may read or cancel tasks at all.
            .AddPolicy("task-read", Policy([TokenScopes.Api, TokenScopes.TasksRead], GatewayAuthentication.Bearer))
            .AddPolicy("task-cancel", Policy([TokenScopes.Api, TokenScopes.TasksCancel], GatewayAuthentication.Bearer));
        return services;
    }

    private static AuthorizationPolicy Policy(string scope, params string[] schemes) => Policy([scope], schemes);

    private static AuthorizationPolicy Policy(string[] anyScope, params string[] schemes) =>
        new AuthorizationPolicyBuilder(schemes).RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(anyScope)).Build();
}
