using System.Globalization;
using System.Net;
using System.Text;
using Codeur.Gateway.Authentication;
using Codeur.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using NSec.Cryptography;

namespace Codeur.Gateway.Tests.Authentication;

public sealed class DiscordSignatureTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_750_000_000);

    // RFC 8032 section 7.1, TEST 1, 2, 3 and SHA(abc): public key, message, signature.
    public static TheoryData<string, string, string> Rfc8032Vectors => new()
    {
        {
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        },
        {
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        },
        {
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            "af82",
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"
        },
        {
            "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"
        },
    };

    [Theory]
    [MemberData(nameof(Rfc8032Vectors))]
    public void Verify_Rfc8032Vector_Succeeds(string publicKey, string message, string signature)
    {
        var key = PublicKey.Import(SignatureAlgorithm.Ed25519, Convert.FromHexString(publicKey), KeyBlobFormat.RawPublicKey);
        var bytes = Convert.FromHexString(message);

        // Split the message as the handler does (timestamp prefix, then body) at every position.
        for (var split = 0; split <= bytes.Length; split++)
        {
            Assert.True(Ed25519Verifier.Verify(key, bytes.AsSpan(0, split), bytes.AsSpan(split), Convert.FromHexString(signature)));
        }
    }

    [Theory]
    [MemberData(nameof(Rfc8032Vectors))]
    public void Verify_Rfc8032VectorWithFlippedBit_Fails(string publicKey, string message, string signature)
    {
        var key = PublicKey.Import(SignatureAlgorithm.Ed25519, Convert.FromHexString(publicKey), KeyBlobFormat.RawPublicKey);
        var tampered = Convert.FromHexString(signature);
        tampered[0] ^= 0x01;

        Assert.False(Ed25519Verifier.Verify(key, [], Convert.FromHexString(message), tampered));
    }

    [Fact]
    public async Task Post_SignedInteraction_IsForwardedByteIdentical()
    {
        using var signer = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await StartAsync(signer, upstream);
        var body = Encoding.UTF8.GetBytes("{\"type\":1,\"id\":\"123\"}");

        using var response = await gateway.Client.SendAsync(Signed(signer, body, Now.ToUnixTimeSeconds()), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var forwarded = upstream.Forwarded();
        Assert.Equal(body, forwarded.Body);
        Assert.Equal("discord", forwarded.Headers["X-Codeur-Identity"]);
    }

    [Fact]
    public async Task Post_DeliberatelyInvalidSignature_Returns401()
    {
        // Discord's endpoint check sends a syntactically valid but wrong signature and expects 401.
        using var signer = Key.Create(SignatureAlgorithm.Ed25519);
        using var other = Key.Create(SignatureAlgorithm.Ed25519);
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await StartAsync(signer, upstream);

        using var response = await gateway.Client.SendAsync(Signed(other, "{\"type\":1}"u8.ToArray(), Now.ToUnixTimeSeconds()), TestContext.Current.CancellationToken);

        Assert.Contains("invalid X-Signature-Ed25519", await ResponseAssert.ErrorAsync(response, HttpStatusCode.Unauthorized));
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Post_SignatureOverOtherTimestamp_Returns401()
    {
        using var signer = Key.Create(SignatureAlgorithm.Ed25519);
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await StartAsync(signer, upstream);
        var body = "{\"type\":1}"u8.ToArray();
        using var request = Signed(signer, body, Now.ToUnixTimeSeconds());
        request.Headers.Remove("X-Signature-Timestamp");
        request.Headers.Add("X-Signature-Timestamp", (Now.ToUnixTimeSeconds() - 1).ToString(CultureInfo.InvariantCulture));

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        await ResponseAssert.ErrorAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Post_StaleTimestamp_Returns401()
    {
        using var signer = Key.Create(SignatureAlgorithm.Ed25519);
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await StartAsync(signer, upstream);

        using var response = await gateway.Client.SendAsync(Signed(signer, "{\"type\":1}"u8.ToArray(), Now.ToUnixTimeSeconds() - 600), TestContext.Current.CancellationToken);

        Assert.Contains("replay window", await ResponseAssert.ErrorAsync(response, HttpStatusCode.Unauthorized));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("")]
    public async Task Post_MalformedSignatureHeader_Returns401(string signature)
    {
        using var signer = Key.Create(SignatureAlgorithm.Ed25519);
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await StartAsync(signer, upstream);
        using var request = Sign.Post("/webhook/discord", "{}"u8.ToArray());
        request.Headers.TryAddWithoutValidation("X-Signature-Ed25519", signature);
        request.Headers.Add("X-Signature-Timestamp", Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));

        using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);

        await ResponseAssert.ErrorAsync(response, HttpStatusCode.Unauthorized);
    }

    private static Task<GatewayHost> StartAsync(Key signer, RecordingUpstream upstream)
    {
        var publicKey = Convert.ToHexStringLower(signer.PublicKey.Export(KeyBlobFormat.RawPublicKey));
        return GatewayHost.StartAsync($"  discord_public_key: \"{publicKey}\"\n  discord: {{guilds: [\"*\"]}}", upstream.Address, new FakeTimeProvider(Now));
    }

    private static HttpRequestMessage Signed(Key signer, byte[] body, long timestamp)
    {
        var ts = timestamp.ToString(CultureInfo.InvariantCulture);
        var signature = SignatureAlgorithm.Ed25519.Sign(signer, [.. Encoding.ASCII.GetBytes(ts), .. body]);
        var request = Sign.Post("/webhook/discord", body);
        request.Headers.Add("X-Signature-Ed25519", Convert.ToHexStringLower(signature));
        request.Headers.Add("X-Signature-Timestamp", ts);
        return request;
    }
}
