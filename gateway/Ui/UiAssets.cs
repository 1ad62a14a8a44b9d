using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Codeur.Gateway.Ui;

/// <summary>
/// The page's files, embedded in this assembly (<c>Ui/Assets</c>): what is served is exactly what was built, nothing on
/// disk to tamper with and nothing fetched from elsewhere. Only these names exist; any other path under <c>/ui/</c> is a 404.
/// </summary>
internal sealed class UiAssets
{
    private const string ResourcePrefix = "Codeur.Gateway.Ui.Assets.";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly FrozenDictionary<string, UiAsset> _assets;

    public UiAssets()
    {
        var assembly = typeof(UiAssets).Assembly;
        var assets = new Dictionary<string, UiAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var name = resource[ResourcePrefix.Length..];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            var etag = "\"" + Convert.ToBase64String(SHA256.HashData(bytes).AsSpan(0, 16)) + "\"";
            assets[name] = new UiAsset(name, ContentTypes[Path.GetExtension(name)], bytes, etag);
        }

        if (!assets.ContainsKey(IndexName))
        {
            throw new InvalidOperationException($"the gateway was built without its page ({ResourcePrefix}{IndexName} missing)");
        }

        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public const string IndexName = "index.html";

    public IEnumerable<string> Names => _assets.Keys;

    public bool TryGet(string name, out UiAsset asset) => _assets.TryGetValue(name, out asset!);
}
