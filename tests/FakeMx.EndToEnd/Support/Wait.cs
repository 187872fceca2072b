namespace FakeMx.EndToEnd.Support;

/// <summary>Polls for a condition with a deadline: the tests wait for readiness, never for a fixed time.</summary>
public static class Wait
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"gave up after {timeout.TotalSeconds}s waiting for {what()}");
            }

            await Task.Delay(Interval);
        }
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> what) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what);
}
