using System.Net;
using System.Text.Json;

namespace FakeMx.Tests.Support;

/// <summary>An HTTP client for a running server's web endpoint, with JSON and metrics helpers.</summary>
public sealed class WebEndpointClient : IDisposable
{
    private readonly HttpClient _http;

    public WebEndpointClient(int port, string? token = null)
    {
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromSeconds(15),
        };
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }
    }

    public HttpClient Http => _http;

    public async Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return (response.StatusCode, document.RootElement.Clone());
    }

    public async Task<PrometheusText> MetricsAsync()
    {
        using var response = await _http.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Scrapes until <paramref name="done"/> holds, for figures recorded just after a
    /// session closed; fails after <paramref name="timeout"/>.</summary>
    public async Task<PrometheusText> MetricsWhenAsync(Func<PrometheusText, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var metrics = await MetricsAsync();
            if (done(metrics))
            {
                return metrics;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the metrics never reached the expected state");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>Polls <c>/readyz</c> until it answers 200 (the store opens in the background).</summary>
    public async Task WaitUntilReadyAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            using var response = await _http.GetAsync("/readyz");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"/readyz still answers {(int)response.StatusCode}");
            }

            await Task.Delay(25);
        }
    }

    public void Dispose() => _http.Dispose();
}
