using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace FakeMx.Tests.Support;

/// <summary>
/// Records every measurement of one <see cref="Meter"/> instance, so tests running side by side
/// with their own servers never see each other's numbers.
/// </summary>
public sealed class CapturedMetrics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Name, long Value, Dictionary<string, string?> Tags)> _measurements = new();

    public CapturedMetrics(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var copy = new Dictionary<string, string?>();
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value?.ToString();
            }

            _measurements.Enqueue((instrument.Name, value, copy));
        });
        _listener.Start();
    }

    /// <summary>The sum of <paramref name="name"/>, optionally only where tag <paramref name="tag"/> has
    /// <paramref name="value"/>.</summary>
    public long Sum(string name, string? tag = null, string? value = null) =>
        _measurements.Where(m => m.Name == name && (tag is null || m.Tags.GetValueOrDefault(tag) == value))
            .Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();
}
