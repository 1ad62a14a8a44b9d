using System.Net;
using Codeur.Audit;
using Codeur.Configuration;
using Codeur.EngineBroker.Configuration;
using Codeur.EngineBroker.Create;
using Codeur.EngineBroker.Engine;
using Codeur.EngineBroker.Forwarding;
using Codeur.Hosting;

namespace Codeur.EngineBroker.Hosting;

/// <summary>Builds the broker: its policy, the engine client, the audit log and Kestrel on the configured endpoints.</summary>
internal static class BrokerApplication
{
    public static WebApplication Build(string[] args, BrokerOptions options)
    {
        var policy = BrokerPolicy.Create(options);
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.AddJsonLogging();
        builder.Services.AddSingleton(policy);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new AgentConfig { Webhook = { Audit = { Path = options.AuditPath } } });
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AuditLog>());
        builder.Services.AddSingleton<EngineClient>();
        builder.Services.AddSingleton<ContainerOwnership>();
        builder.Services.AddSingleton<CreateBodyValidator>();
        builder.Services.AddSingleton<EngineBrokerHandler>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = EngineBrokerHandler.MaxCreateBodyBytes + 1;
            foreach (var text in options.Listen)
            {
                if (!ListenEndpoint.TryParse(text, out var endpoint))
                {
                    continue; // BrokerPolicy.Create refused it already.
                }

                if (endpoint.UnixPath is { } path)
                {
                    // A socket file left by a previous life would make the bind fail.
                    File.Delete(path);
                    kestrel.ListenUnixSocket(path);
                }
                else
                {
                    kestrel.Listen(endpoint.Tcp ?? new IPEndPoint(IPAddress.Loopback, 0));
                }
            }
        });

        var app = builder.Build();
        var handler = app.Services.GetRequiredService<EngineBrokerHandler>();
        var engine = app.Services.GetRequiredService<EngineClient>();
        app.Run(context => BrokerHealth.Matches(context) ? BrokerHealth.WriteAsync(context, engine) : handler.HandleAsync(context));
        return app;
    }
}
