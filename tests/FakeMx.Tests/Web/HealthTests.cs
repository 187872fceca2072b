using System.Net;
using FakeMx.Tests.Support;

namespace FakeMx.Tests.Web;

/// <summary><c>/healthz</c> and <c>/readyz</c> against a store that is there and one that is not.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task A_store_that_cannot_be_reached_makes_the_server_unready_and_unhealthy_while_smtp_runs()
    {
        // Nothing listens on port 1: the event writer keeps retrying in the background.
        await using var server = await RunningServer.StartWithStoreAsync(
            "postgresql://postgres@127.0.0.1:1/postgres");
        using var web = new WebEndpointClient(server.HttpPort);

        var (ready, readiness) = await web.GetJsonAsync("/readyz");
        var (health, body) = await web.GetJsonAsync("/healthz");
        await SmtpSessions.QuitAtOnceAsync(server.Port);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready);
        Assert.Equal("opening the event store", readiness.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health);
        Assert.False(body.GetProperty("checks").GetProperty("store").GetProperty("ok").GetBoolean());
        Assert.True(body.GetProperty("checks").GetProperty("smtp").GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task A_server_with_its_store_open_is_ready_and_healthy()
    {
        await using var server = await RunningServer.StartAsync();
        using var web = new WebEndpointClient(server.HttpPort);

        await web.WaitUntilReadyAsync();
        var (health, body) = await web.GetJsonAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, health);
        Assert.Equal("ok", body.GetProperty("status").GetString());
    }
}
