using System.Security.Cryptography;
using System.Text;

namespace Codeur.Gateway.Tests.Infrastructure;

/// <summary>Independent implementations of the platforms' signing, as a client would compute them.</summary>
public static class Sign
{
    public static string GitHub(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public static string Slack(string secret, long timestamp, byte[] body) =>
        "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), (byte[])[.. Encoding.ASCII.GetBytes($"v0:{timestamp}:"), .. body]));

    public static HttpRequestMessage Post(string path, byte[] body, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        return request;
    }
}
