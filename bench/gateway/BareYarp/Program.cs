// The bare-YARP arm of bench/gateway: the gateway's YARP version, route and cluster settings, and nothing of ours
// (no authentication, rate limiting, body limit, metrics, tracing or JSON logging), so that the gateway's overhead
// over YARP itself is a measured number. Usage: BareYarp --urls http://127.0.0.1:PORT --upstream http://127.0.0.1:PORT
using System.Net;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var upstream = builder.Configuration["upstream"] ?? throw new InvalidOperationException("--upstream URL is required");

builder.Services.AddReverseProxy().LoadFromMemory(
    [
        new RouteConfig
        {
            RouteId = "api-tasks",
            ClusterId = "runner",
            Match = new RouteMatch { Path = "/api/tasks", Methods = ["POST"] },
        },
    ],
    [
        new ClusterConfig
        {
            ClusterId = "runner",
            Destinations = new Dictionary<string, DestinationConfig> { ["runner"] = new() { Address = upstream } },
            HttpRequest = new ForwarderRequestConfig
            {
                ActivityTimeout = TimeSpan.FromSeconds(60),
                VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            },
        },
    ]);

var app = builder.Build();
app.MapReverseProxy();
app.Run();
