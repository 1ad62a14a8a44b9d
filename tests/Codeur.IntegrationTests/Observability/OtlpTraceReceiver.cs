using System.Buffers.Binary;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Codeur.IntegrationTests.Observability;

/// <summary>
/// An OTLP/HTTP collector stand-in: a real Kestrel server on a loopback port that takes what the services' OTLP
/// exporters send to <c>/v1/traces</c> (binary protobuf, <c>ExportTraceServiceRequest</c>) and keeps the spans. The
/// protobuf is read by the small wire-format reader below (the OTLP proto package is not on our feed); only the
/// fields a span tree needs are decoded.
/// </summary>
internal sealed class OtlpTraceReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<ReceivedSpan> _spans = [];

    private OtlpTraceReceiver(WebApplication app) => _app = app;

    /// <summary>What <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> should be (the exporter appends <c>/v1/traces</c>).</summary>
    public string Endpoint { get; private set; } = "";

    public static async Task<OtlpTraceReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpTraceReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        receiver.Endpoint = app.Urls.Single().TrimEnd('/');
        return receiver;
    }

    public IReadOnlyList<ReceivedSpan> Spans
    {
        get
        {
            lock (_gate)
            {
                return [.. _spans];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        if (context.Request.Path == "/v1/traces")
        {
            Assert.Equal("application/x-protobuf", context.Request.ContentType);
            var spans = ParseExport(body.ToArray());
            lock (_gate)
            {
                _spans.AddRange(spans);
            }
        }

        // An empty Export*ServiceResponse: everything accepted.
        context.Response.ContentType = "application/x-protobuf";
    }

    private static List<ReceivedSpan> ParseExport(byte[] message)
    {
        var spans = new List<ReceivedSpan>();
        foreach (var resourceSpans in Fields(message).Where(f => f.Number == 1))
        {
            var service = "";
            foreach (var field in Fields(resourceSpans.Bytes))
            {
                if (field.Number == 1)
                {
                    service = Attributes(Fields(field.Bytes).Where(f => f.Number == 1)).GetValueOrDefault("service.name", "");
                }
            }

            foreach (var scopeSpans in Fields(resourceSpans.Bytes).Where(f => f.Number == 2))
            {
                foreach (var span in Fields(scopeSpans.Bytes).Where(f => f.Number == 2))
                {
                    spans.Add(ParseSpan(service, span.Bytes));
                }
            }
        }

        return spans;
    }

    private static ReceivedSpan ParseSpan(string service, byte[] bytes)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        var kind = 0;
        var status = 0;
        var links = new List<(string TraceId, string SpanId)>();
        var attributes = new List<Field>();
        foreach (var field in Fields(bytes))
        {
            switch (field.Number)
            {
                case 1: traceId = Convert.ToHexStringLower(field.Bytes); break;
                case 2: spanId = Convert.ToHexStringLower(field.Bytes); break;
                case 4: parent = Convert.ToHexStringLower(field.Bytes); break;
                case 5: name = Encoding.UTF8.GetString(field.Bytes); break;
                case 6: kind = (int)field.Value; break;
                case 9: attributes.Add(field); break;
                case 13:
                    var link = Fields(field.Bytes).ToList();
                    links.Add((Convert.ToHexStringLower(link.First(f => f.Number == 1).Bytes), Convert.ToHexStringLower(link.First(f => f.Number == 2).Bytes)));
                    break;
                case 15:
                    status = (int)(Fields(field.Bytes).FirstOrDefault(f => f.Number == 3)?.Value ?? 0);
                    break;
            }
        }

        return new ReceivedSpan(service, traceId, spanId, parent, name, (SpanKind)kind, Attributes(attributes), links, status);
    }

    /// <summary>KeyValue fields: string, bool and int values as text.</summary>
    private static Dictionary<string, string> Attributes(IEnumerable<Field> keyValues)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var keyValue in keyValues)
        {
            var fields = Fields(keyValue.Bytes).ToList();
            var key = Encoding.UTF8.GetString(fields.First(f => f.Number == 1).Bytes);
            var value = fields.FirstOrDefault(f => f.Number == 2) is { } any ? Fields(any.Bytes).FirstOrDefault() : null;
            result[key] = value switch
            {
                { Number: 1 } => Encoding.UTF8.GetString(value.Bytes),
                { Number: 2 } => value.Value != 0 ? "true" : "false",
                { Number: 3 } => ((long)value.Value).ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => "",
            };
        }

        return result;
    }

    /// <summary>The fields of one protobuf message: number, wire type, and the varint/fixed value or the bytes.</summary>
    private static IEnumerable<Field> Fields(byte[] message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = Varint(message, ref position);
            var number = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    yield return new Field(number, Varint(message, ref position), []);
                    break;
                case 1:
                    yield return new Field(number, BinaryPrimitives.ReadUInt64LittleEndian(message.AsSpan(position, 8)), []);
                    position += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref position);
                    yield return new Field(number, 0, message[position..(position + length)]);
                    position += length;
                    break;
                case 5:
                    yield return new Field(number, BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(position, 4)), []);
                    position += 4;
                    break;
                default:
                    throw new FormatException($"unsupported protobuf wire type in field {number}");
            }
        }
    }

    private static ulong Varint(byte[] buffer, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = buffer[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }

    private sealed record Field(int Number, ulong Value, byte[] Bytes);
}

/// <summary>OTLP's SpanKind numbers.</summary>
internal enum SpanKind
{
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

internal sealed record ReceivedSpan(
    string Service, string TraceId, string SpanId, string ParentSpanId, string Name, SpanKind Kind,
    IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<(string TraceId, string SpanId)> Links, int StatusCode)
{
    public string Attribute(string key) => Attributes.GetValueOrDefault(key, "");
}
