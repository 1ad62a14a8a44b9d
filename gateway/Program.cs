using Codeur.Configuration;
using Codeur.Gateway.Authentication;
using Codeur.Gateway.Forwarding;
using Codeur.Gateway.Http;
using Codeur.Gateway.Network;
using Codeur.Gateway.Observability;
using Codeur.Gateway.RateLimiting;
using Codeur.Gateway.Spool;
using Codeur.Gateway.Tls;
using Codeur.Gateway.Ui;
using Codeur.Hosting;
using Codeur.Http;

var builder = WebApplication.CreateBuilder(args);
builder.AddJsonLogging();
var config = builder.AddAgentConfig(ConfigAudience.Gateway);

builder.ConfigureGatewayKestrel(config);
builder.Services.AddGatewayObservability();
builder.Services.AddClientAddress();
builder.Services.AddGatewayRateLimiting();
builder.Services.AddGatewayAuthentication();
builder.Services.AddRunnerForwarding(config);
builder.Services.AddRunnerSpool(config);
builder.Services.AddUi();

var app = builder.Build();
app.WarnIfPlaintext(config);

// Cheapest checks first: nothing reads a body or computes a signature for a client we would turn away anyway.
app.UseMiddleware<ErrorHandlingMiddleware>();
app.UseClientAddress();
app.UseAddressRateLimit();
app.UseMiddleware<HeaderValueGuardMiddleware>();
app.UseRouting();
app.UseRequestCounting();
app.UseMiddleware<RequestBodyLimitMiddleware>();
app.UseAuthorization();
app.UseRateLimiter();

app.MapGatewayObservability();
app.MapRunnerForwarding();
app.MapUi();
app.MapFallback(context => JsonError.WriteAsync(context, StatusCodes.Status404NotFound, "no such route"));

app.Run();

public partial class Program;
