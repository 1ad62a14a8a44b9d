using System.Text;
using Codeur.Runner.Sandbox;

namespace Codeur.Runner.Tests.Sandbox;

public sealed class OutputCaptureTests
{
    [Fact]
    public void Append_PastLimit_ReportsOnceKeepsLimitCountsAll()
    {
        var capture = new OutputCapture(10);

        var first = capture.Append("123456"u8);
        var crossing = capture.Append("7890ab"u8);
        var after = capture.Append("cdef"u8);

        Assert.False(first);
        Assert.True(crossing);
        Assert.False(after);
        Assert.Equal("1234567890", capture.Text());
        Assert.Equal(16, capture.TotalBytes);
        Assert.True(capture.LimitExceeded);
    }

    [Fact]
    public void Append_ExactlyLimit_NotExceeded()
    {
        var capture = new OutputCapture(4);

        Assert.False(capture.Append(Encoding.UTF8.GetBytes("abcd")));
        Assert.False(capture.LimitExceeded);
    }
}
