using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Codeur.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Codeur.Gateway.Tests.Tls;

public sealed class TlsTests : IDisposable
{
    private readonly DirectoryInfo _secrets = Directory.CreateTempSubdirectory("codeur-tls-");

    public void Dispose() => _secrets.Delete(recursive: true);

    [Fact]
    public async Task Get_OverTls_NegotiatesHttp2AndHttp11()
    {
        var (certPath, keyPath, thumbprint) = WriteCertificate(_secrets.FullName, "gateway-a");
        await using var gateway = await GatewayHost.StartAsync($"  tls: {{certificate: \"{certPath}\", key: \"{keyPath}\"}}");
        var url = new Uri($"https://localhost:{gateway.Address.Port}/health/live");

        foreach (var version in new[] { HttpVersion.Version20, HttpVersion.Version11 })
        {
            using var client = TrustingClient(thumbprint);
            using var request = new HttpRequestMessage(HttpMethod.Get, url) { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

            using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(version, response.Version);
        }
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Handshake_Tls12And13_Succeed(SslProtocols protocol)
    {
        var (certPath, keyPath, thumbprint) = WriteCertificate(_secrets.FullName, "gateway-a");
        await using var gateway = await GatewayHost.StartAsync($"  tls: {{certificate: \"{certPath}\", key: \"{keyPath}\"}}");

        var (negotiated, serverThumbprint) = await HandshakeAsync(gateway.Address.Port, protocol);

        Assert.Equal(protocol, negotiated);
        Assert.Equal(thumbprint, serverThumbprint);
    }

    [Fact]
    public async Task Handshake_Tls11_IsRefused()
    {
        var (certPath, keyPath, _) = WriteCertificate(_secrets.FullName, "gateway-a");
        await using var gateway = await GatewayHost.StartAsync($"  tls: {{certificate: \"{certPath}\", key: \"{keyPath}\"}}");

#pragma warning disable SYSLIB0039, CA5397 // TLS 1.1 is obsolete: that is what this test checks the server refuses.
        var error = await Record.ExceptionAsync(() => HandshakeAsync(gateway.Address.Port, SslProtocols.Tls11));
#pragma warning restore SYSLIB0039, CA5397

        Assert.True(error is AuthenticationException or IOException, $"expected a failed handshake, got {error?.GetType().Name ?? "success"}");
        var options = await gateway.Services.GetRequiredService<Codeur.Gateway.Tls.CertificateReloader>().SelectAsync();
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, options.EnabledSslProtocols);
    }

    [Fact]
    public async Task Handshake_AfterKubernetesStyleSymlinkSwap_ServesTheNewCertificate()
    {
        // A Kubernetes secret volume: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>/; rotation swaps ..data atomically.
        var root = _secrets.FullName;
        var (_, _, oldThumbprint) = WriteCertificate(Directory.CreateDirectory(Path.Combine(root, "..2026_01")).FullName, "gateway-old", "tls.crt", "tls.key");
        File.CreateSymbolicLink(Path.Combine(root, "..data"), "..2026_01");
        File.CreateSymbolicLink(Path.Combine(root, "tls.crt"), "..data/tls.crt");
        File.CreateSymbolicLink(Path.Combine(root, "tls.key"), "..data/tls.key");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await GatewayHost.StartAsync(
            $"  tls: {{certificate: \"{Path.Combine(root, "tls.crt")}\", key: \"{Path.Combine(root, "tls.key")}\"}}", time: clock);
        Assert.Equal(oldThumbprint, (await HandshakeAsync(gateway.Address.Port, SslProtocols.Tls13)).Thumbprint);

        var (_, _, newThumbprint) = WriteCertificate(Directory.CreateDirectory(Path.Combine(root, "..2026_02")).FullName, "gateway-new", "tls.crt", "tls.key");
        File.CreateSymbolicLink(Path.Combine(root, "..data_tmp"), "..2026_02");
        Assert.Equal(0, Rename(Path.Combine(root, "..data_tmp"), Path.Combine(root, "..data")));

        // Within the one-second check interval the old certificate is still served; after it, the new one.
        Assert.Equal(oldThumbprint, (await HandshakeAsync(gateway.Address.Port, SslProtocols.Tls13)).Thumbprint);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(newThumbprint, (await HandshakeAsync(gateway.Address.Port, SslProtocols.Tls13)).Thumbprint);
    }

    [Fact]
    public async Task Handshake_AfterBrokenReplacement_KeepsServingThePreviousCertificate()
    {
        var (certPath, keyPath, thumbprint) = WriteCertificate(_secrets.FullName, "gateway-a");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await GatewayHost.StartAsync($"  tls: {{certificate: \"{certPath}\", key: \"{keyPath}\"}}", time: clock);

        await File.WriteAllTextAsync(certPath, "-----BEGIN CERTIFICATE-----\ntruncated", TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(thumbprint, (await HandshakeAsync(gateway.Address.Port, SslProtocols.Tls12)).Thumbprint);
    }

    [Fact]
    public async Task Start_WithUnreadableCertificate_FailsNamingTheKey()
    {
        var error = await Record.ExceptionAsync(() => GatewayHost.StartAsync("  tls: {certificate: \"/nonexistent/cert.pem\", key: \"/nonexistent/key.pem\"}"));

        Assert.NotNull(error);
        Assert.Contains("webhook.tls", error.ToString());
    }

    // rename(2) replaces a symlink atomically, as kubelet does; File.Move refuses links to directories.
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string oldPath, [System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string newPath);

    private static HttpClient TrustingClient(string thumbprint) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is X509Certificate2 c && c.Thumbprint == thumbprint,
        },
    })
    { Timeout = TimeSpan.FromSeconds(10) };

    private static async Task<(SslProtocols Protocol, string Thumbprint)> HandshakeAsync(int port, SslProtocols protocol)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken);
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = protocol,
            // The test inspects whichever certificate is served; trust is not what it checks.
#pragma warning disable CA5359
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
#pragma warning restore CA5359
        }, timeout.Token);
        return (tls.SslProtocol, ((X509Certificate2)tls.RemoteCertificate!).Thumbprint);
    }

    private static (string Cert, string Key, string Thumbprint) WriteCertificate(string directory, string name, string certFile = "cert.pem", string keyFile = "key.pem")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = Path.Combine(directory, certFile);
        var keyPath = Path.Combine(directory, keyFile);
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath, certificate.Thumbprint);
    }
}
