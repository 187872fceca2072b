using System.Net;
using FakeMx.Tests.Support;

namespace FakeMx.Tests.Web;

/// <summary>The access token, on loopback and off it, and the refusals at start-up.</summary>
public sealed class AccessTests
{
    private const string Token = "s3cret-token-for-tests";

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/api/stats")]
    [InlineData("/api/events")]
    [InlineData("/api/export?format=plain")]
    [InlineData("/api/report/domains")]
    [InlineData("/")]
    public async Task With_a_token_set_a_request_without_it_gets_401_even_on_loopback(string path)
    {
        await using var server = await RunningServer.StartAsync(("Http:Token", Token));
        using var anonymous = new WebEndpointClient(server.HttpPort);
        using var wrong = new WebEndpointClient(server.HttpPort, "not-the-token");
        using var right = new WebEndpointClient(server.HttpPort, Token);

        var refused = await anonymous.Http.GetAsync(path);
        var mistaken = await wrong.Http.GetAsync(path);
        var allowed = await right.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("Bearer", refused.Headers.WwwAuthenticate.ToString());
        Assert.Contains("\"error\"", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, mistaken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task A_browser_opening_the_token_link_gets_a_cookie_and_a_clean_address()
    {
        await using var server = await RunningServer.StartAsync(("Http:Token", Token));
        using var web = new WebEndpointClient(server.HttpPort);

        var first = await web.Http.GetAsync($"/?domain=example.com&token={Token}");
        var cookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
        using var again = new HttpRequestMessage(HttpMethod.Get, "/api/stats");
        again.Headers.Add("Cookie", cookie.Split(';')[0]);
        var withCookie = await web.Http.SendAsync(again);

        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal("/?domain=example.com", first.Headers.Location?.ToString());
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, withCookie.StatusCode);
    }

    [Fact]
    public async Task Health_endpoints_answer_without_the_token()
    {
        await using var server = await RunningServer.StartAsync(("Http:Token", Token));
        using var web = new WebEndpointClient(server.HttpPort);

        await web.WaitUntilReadyAsync();

        Assert.Equal(HttpStatusCode.OK, (await web.Http.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Serving_a_non_loopback_address_without_a_token_is_refused_in_one_line()
    {
        var (exitCode, stdout, stderr) = await FakeMxProcess.RunAsync(
            "serve", "--listen", "127.0.0.1:0", "--http", "0.0.0.0:0");

        Assert.Equal(2, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fakemx: ", line);
        Assert.Contains("--http-token", line);
        Assert.Contains("--http-allow-anonymous", line);
        Assert.DoesNotContain("LISTEN", stdout);
    }

    [Fact]
    public async Task The_web_endpoint_may_not_share_a_port_with_smtp()
    {
        var (exitCode, _, stderr) = await FakeMxProcess.RunAsync(
            "serve", "--listen", "127.0.0.1:2525", "--http", "127.0.0.1:2525");

        Assert.Equal(2, exitCode);
        Assert.StartsWith("fakemx: ", stderr);
        Assert.Contains("SMTP", stderr);
    }

    [Fact]
    public async Task A_non_loopback_endpoint_with_a_token_file_starts_and_demands_the_token()
    {
        var directory = Directory.CreateTempSubdirectory("fakemx-token-").FullName;
        try
        {
            var tokenFile = Path.Combine(directory, "token");
            await File.WriteAllTextAsync(tokenFile, Token + "\n");
            await using var process = FakeMxProcess.Start(["serve", "--listen", "127.0.0.1:0",
                "--http", "0.0.0.0:0", "--http-token-file", tokenFile, "--store", Path.Combine(directory, "e.db")]);
            var port = await process.WaitForHttpPortAsync();

            using var anonymous = new WebEndpointClient(port);
            using var allowed = new WebEndpointClient(port, Token);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.Http.GetAsync("/metrics")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await allowed.Http.GetAsync("/metrics")).StatusCode);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task The_web_endpoint_can_be_turned_off()
    {
        await using var server = await RunningServer.StartAsync(("Http:Listen", "off"));

        Assert.Equal(0, server.HttpPort);
    }
}
