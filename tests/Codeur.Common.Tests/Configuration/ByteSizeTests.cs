using Codeur.Configuration;

namespace Codeur.Common.Tests.Configuration;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("512", 512)]
    [InlineData("64k", 64 * 1024)]
    [InlineData("1m", 1024 * 1024)]
    [InlineData("1MiB", 1024 * 1024)]
    [InlineData("2g", 2L * 1024 * 1024 * 1024)]
    [InlineData("2GB", 2L * 1024 * 1024 * 1024)]
    [InlineData("1.5m", 1572864)]
    public void TryParse_ValidSize_ReturnsBytes(string text, long expected)
    {
        Assert.True(ByteSize.TryParse(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1m")]
    [InlineData("12q")]
    [InlineData("lots")]
    public void TryParse_InvalidSize_ReturnsFalse(string text) => Assert.False(ByteSize.TryParse(text, out _));
}
