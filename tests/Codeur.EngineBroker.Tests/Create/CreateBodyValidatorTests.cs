using System.Text;
using Codeur.EngineBroker.Configuration;
using Codeur.EngineBroker.Create;
using Codeur.EngineBroker.Requests;
using Codeur.EngineBroker.Tests.Infrastructure;

namespace Codeur.EngineBroker.Tests.Create;

/// <summary>
/// The create model on its own: spellings the engine itself rejects (numbers as strings, floats) are refused here
/// too, by type rather than by luck, and the canonical body carries the sandbox's settings whatever was sent.
/// </summary>
public sealed class CreateBodyValidatorTests : IDisposable
{
    private readonly BrokerFixtureStub _paths = new();

    public void Dispose() => _paths.Dispose();

    private CreateBodyValidator Validator() => new(BrokerPolicy.Create(new BrokerOptions { RunnerId = "r", ProjectsRoots = [_paths.Projects] }));

    private string Body() => _paths.RunnerBody();

    [Fact]
    public void Validate_RunnersBody_Admitted() =>
        Assert.Equal(_paths.Project, Validator().Validate(Encoding.UTF8.GetBytes(Body())).MountSource);

    [Theory]
    [InlineData("\"Memory\":2147483648", "\"Memory\":\"2147483648\"", "HostConfig.Memory")]
    [InlineData("\"PidsLimit\":512", "\"PidsLimit\":512.0", "HostConfig.PidsLimit")]
    [InlineData("\"PidsLimit\":512", "\"PidsLimit\":5.12e2", "HostConfig.PidsLimit")]
    [InlineData("\"ReadonlyRootfs\":true", "\"ReadonlyRootfs\":\"true\"", "HostConfig.ReadonlyRootfs")]
    [InlineData("\"ReadonlyRootfs\":true", "\"ReadonlyRootfs\":1", "HostConfig.ReadonlyRootfs")]
    [InlineData("\"CapDrop\":[\"ALL\"]", "\"CapDrop\":\"ALL\"", "HostConfig.CapDrop")]
    [InlineData("\"Init\":true", "\"Init\":null", "HostConfig.Init")]
    [InlineData("\"Image\":\"codeur/sandbox:latest\"", "\"Image\":null", "Image")]
    [InlineData("\"User\":\"10001:10001\"", "\"User\":\"10001\"", "User")]
    [InlineData("\"User\":\"10001:10001\"", "\"User\":\"10001:0\"", "User")]
    [InlineData("\"User\":\"10001:10001\"", "\"User\":\"codeur:codeur\"", "User")]
    [InlineData("\"WorkingDir\":\"/workspace\"", "\"WorkingDir\":\"/workspace/../etc\"", "WorkingDir")]
    [InlineData("\"Tty\":false", "\"Tty\":true", "Tty")]
    [InlineData("\"codeur.task\":", "\"other.label\":\"x\",\"codeur.task\":", "Labels")]
    public void Validate_TypeOrValueOutsideTheModel_RefusedNamingTheField(string from, string to, string field)
    {
        var body = Body();
        Assert.Contains(from, body, StringComparison.Ordinal);

        var refused = Assert.Throws<EngineRequestRefusedException>(() => Validator().Validate(Encoding.UTF8.GetBytes(body.Replace(from, to, StringComparison.Ordinal))));

        Assert.Equal(field, refused.Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"Image\":\"a\"} {}")]
    [InlineData("{\"Image\":\"a\",}")]
    [InlineData("{/*c*/\"Image\":\"a\"}")]
    public void Validate_NotOneWellFormedObject_Refused(string body) =>
        Assert.Throws<EngineRequestRefusedException>(() => Validator().Validate(Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void Validate_InvalidUtf8_Refused()
    {
        var bytes = Encoding.UTF8.GetBytes(Body()).ToList();
        bytes.InsertRange(bytes.IndexOf((byte)'H'), [0xC0, 0xAF]);

        Assert.Throws<EngineRequestRefusedException>(() => Validator().Validate(bytes.ToArray()));
    }
}
