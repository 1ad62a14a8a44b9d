using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Codeur.Configuration;

namespace Codeur.Gateway.Tls;

/// <summary>
/// Serves the PEM certificate and key from disk and picks up replacements without a restart. Each handshake
/// checks, at most once a second, the files' resolved targets, sizes and write times: that notices in-place
/// rewrites as well as the <c>..data</c> symlink swap of Kubernetes secret volumes, where file watchers miss events.
/// A replacement that fails to load is logged and the previous certificate stays in service.
/// </summary>
internal sealed partial class CertificateReloader
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly TlsSection _tls;
    private readonly TimeProvider _time;
    private readonly ILogger<CertificateReloader> _logger;
    private readonly Lock _gate = new();
    private State _state;
    private long _lastCheck;

    public CertificateReloader(TlsSection tls, TimeProvider time, ILogger<CertificateReloader> logger)
    {
        _tls = tls;
        _time = time;
        _logger = logger;
        try
        {
            _state = Load(Fingerprint());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new AgentConfigException($"webhook.tls: cannot load the certificate '{tls.Certificate}' with key '{tls.Key}': {ex.Message}");
        }

        _lastCheck = time.GetTimestamp();
        Log.Loaded(logger, _state.Certificate.Subject, _state.Certificate.Thumbprint, _state.Certificate.NotAfter);
    }

    public X509Certificate2 Current => Refresh().Certificate;

    /// <summary>Handshake callback: TLS 1.2 and 1.3 only, HTTP/2 preferred over HTTP/1.1 by ALPN.</summary>
    public ValueTask<SslServerAuthenticationOptions> SelectAsync() =>
        ValueTask.FromResult(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = Refresh().Context,
            EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
            ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
            ClientCertificateRequired = false,
        });

    private State Refresh()
    {
        var state = Volatile.Read(ref _state);
        if (_time.GetElapsedTime(Volatile.Read(ref _lastCheck)) < CheckInterval)
        {
            return state;
        }

        lock (_gate)
        {
            if (_time.GetElapsedTime(_lastCheck) < CheckInterval)
            {
                return _state;
            }

            _lastCheck = _time.GetTimestamp();
            try
            {
                var fingerprint = Fingerprint();
                if (fingerprint != _state.Fingerprint)
                {
                    _state = Load(fingerprint);
                    Log.Reloaded(_logger, _state.Certificate.Subject, _state.Certificate.Thumbprint, _state.Certificate.NotAfter);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                // A half-written pair during a rotation: keep serving the old one and try again next second.
                Log.ReloadFailed(_logger, ex);
            }

            return _state;
        }
    }

    private State Load(string fingerprint)
    {
        var certificate = X509Certificate2.CreateFromPemFile(_tls.Certificate, _tls.Key);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(_tls.Certificate);
        var intermediates = new X509Certificate2Collection();
        foreach (var extra in chain)
        {
            if (extra.Thumbprint != certificate.Thumbprint)
            {
                intermediates.Add(extra);
            }
        }

        return new State(fingerprint, certificate, SslStreamCertificateContext.Create(certificate, intermediates, offline: true));
    }

    private string Fingerprint() => Describe(_tls.Certificate) + "|" + Describe(_tls.Key);

    private static string Describe(string path)
    {
        var target = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        var info = new FileInfo(target);
        return $"{target}:{info.Length}:{info.LastWriteTimeUtc.Ticks}";
    }

    private sealed record State(string Fingerprint, X509Certificate2 Certificate, SslStreamCertificateContext Context);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "TLS certificate loaded: {Subject} ({Thumbprint}), valid until {NotAfter:u}")]
        public static partial void Loaded(ILogger logger, string subject, string thumbprint, DateTime notAfter);

        [LoggerMessage(2, LogLevel.Information, "TLS certificate reloaded: {Subject} ({Thumbprint}), valid until {NotAfter:u}")]
        public static partial void Reloaded(ILogger logger, string subject, string thumbprint, DateTime notAfter);

        [LoggerMessage(3, LogLevel.Warning, "TLS certificate change detected but the new files could not be loaded; still serving the previous certificate")]
        public static partial void ReloadFailed(ILogger logger, Exception exception);
    }
}
