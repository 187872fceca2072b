using System.Text.Json;
using FakeMx.Events;
using FakeMx.Reports;

namespace FakeMx.Tests.Reports;

public sealed class DomainReportTests
{
    [Fact]
    public void Each_recipient_domain_gets_its_clients_senders_early_talkers_and_daily_trend()
    {
        var sessions = new[]
        {
            Sessions.Make("192.0.2.1", TimeSpan.FromHours(1), pregreet: true, from: "a@spam.example",
                to: ["u@example.org", "v@other.example"]),
            Sessions.Make("192.0.2.1", TimeSpan.FromHours(25), from: "b@spam.example", to: ["u@Example.org"]),
            Sessions.Make("192.0.2.2", TimeSpan.FromHours(26), from: "", to: ["w@example.org"]),
            Sessions.Make("192.0.2.3", TimeSpan.FromDays(10), from: "c@old.example", to: ["u@example.org"]),
        };

        var report = DomainReport.Build(sessions, Sessions.Now - TimeSpan.FromDays(3), Sessions.Now);

        Assert.Equal(["example.org", "other.example"], report.Domains.Select(d => d.Domain));
        var example = report.Domains[0];
        Assert.Equal(3, example.Sessions);
        Assert.Equal(2, example.UniqueClients);
        Assert.Equal(1, example.Pregreet);
        Assert.Equal(1.0 / 3, example.PregreetShare, 6);
        Assert.Equal([new TopEntry("spam.example", 2), new TopEntry("<>", 1)], example.TopSenderDomains);
        Assert.Equal(new TopEntry("192.0.2.1", 2), example.TopClients[0]);
        Assert.Equal(4, example.Trend.Count);
        Assert.Equal([0, 0, 2, 1], example.Trend.Select(t => t.Sessions));
        Assert.Equal(new DateOnly(2025, 3, 10), example.Trend[^1].Day);

        var one = DomainReport.Build(sessions, Sessions.Now - TimeSpan.FromDays(3), Sessions.Now, "OTHER.example");
        Assert.Equal("other.example", Assert.Single(one.Domains).Domain);
    }

    [Fact]
    public void The_json_names_every_figure_in_camel_case()
    {
        var report = DomainReport.Build([Sessions.Make("192.0.2.1", TimeSpan.FromHours(1))],
            Sessions.Now - TimeSpan.FromDays(1), Sessions.Now);

        using var json = JsonDocument.Parse(ReportJson.Serialize(report));

        var domain = json.RootElement.GetProperty("domains")[0];
        Assert.Equal("example.org", domain.GetProperty("domain").GetString());
        Assert.Equal(1, domain.GetProperty("uniqueClients").GetInt64());
        Assert.Equal("2025-03-10", domain.GetProperty("trend")[1].GetProperty("day").GetString());
        Assert.Equal("2025-03-09T12:00:00.000Z", json.RootElement.GetProperty("since").GetString());
    }
}
