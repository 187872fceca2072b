using System.Text;
using FakeMx.Server;

namespace FakeMx.Tests.Abuse;

/// <summary>Recognizing other protocols from a connection's first bytes.</summary>
public sealed class NonSmtpClassifierTests
{
    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("POST /cgi-bin/x HTTP/1.0\r\n")]
    [InlineData("HEAD /index.html HTTP/1.1\n")]
    [InlineData("CONNECT mail.example.org:25 HTTP/1.1\r\n")]
    public void Http_request_lines_are_http(string text) =>
        Assert.Equal(NonSmtpKind.Http, Kind(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void A_tls_client_hello_is_tls() =>
        Assert.Equal(NonSmtpKind.Tls, Kind([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));

    [Fact]
    public void Proxy_headers_of_both_versions_are_proxy()
    {
        Assert.Equal(NonSmtpKind.Proxy, Kind("PROXY TCP4 1.2.3.4 5.6.7.8 1 25\r\n"u8.ToArray()));
        Assert.Equal(NonSmtpKind.Proxy, Kind(ProxyHeaderParserTests.V2(0, 0, [])));
    }

    [Theory]
    [InlineData("EHLO client.test\r\n")]
    [InlineData("GET\r\n")]
    [InlineData("HELO GET / HTTP/1.1\r\n")]
    [InlineData("get / http/1.1\r\n")]
    [InlineData("\r\nEHLO x\r\n")]
    public void Smtp_and_lookalikes_are_smtp(string text)
    {
        var verdict = NonSmtpClassifier.Classify(Encoding.ASCII.GetBytes(text), out var kind);
        Assert.Equal(FirstBytes.Smtp, verdict);
        Assert.Equal(NonSmtpKind.None, kind);
    }

    [Theory]
    [InlineData(new byte[] { 0x16 })]
    [InlineData(new byte[] { (byte)'P', (byte)'R', (byte)'O' })]
    [InlineData(new byte[] { 0x0D, 0x0A, 0x0D })]
    [InlineData(new byte[] { (byte)'E', (byte)'H', (byte)'L' })]
    public void Too_few_bytes_are_undecided(byte[] bytes) =>
        Assert.Equal(FirstBytes.Undecided, NonSmtpClassifier.Classify(bytes, out _));

    [Fact]
    public void A_full_window_without_a_line_end_is_left_to_the_smtp_framer() =>
        Assert.Equal(FirstBytes.Smtp, NonSmtpClassifier.Classify(Enumerable.Repeat((byte)'A', 600).ToArray(), out _));

    private static NonSmtpKind Kind(byte[] bytes)
    {
        Assert.Equal(FirstBytes.Other, NonSmtpClassifier.Classify(bytes, out var kind));
        return kind;
    }
}
