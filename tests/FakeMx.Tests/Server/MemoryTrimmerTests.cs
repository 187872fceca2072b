using FakeMx.Server;

namespace FakeMx.Tests.Server;

public sealed class MemoryTrimmerTests
{
    [Fact]
    public void Memory_is_trimmed_once_many_open_connections_have_fallen_to_a_tenth()
    {
        var trimmer = new MemoryTrimmer();

        Assert.False(trimmer.Observe(5000, 1_000));
        Assert.False(trimmer.Observe(800, 2_000));
        Assert.True(trimmer.Observe(400, 3_000));
        Assert.False(trimmer.Observe(10, 4_000));
    }

    [Fact]
    public void Memory_is_trimmed_once_a_flood_of_short_connections_has_stopped()
    {
        var trimmer = new MemoryTrimmer();
        var window = (long)MemoryTrimmer.Window.TotalMilliseconds;
        Assert.False(trimmer.Observe(0, 0));

        Arrive(trimmer, 5000);
        Assert.False(trimmer.Observe(3, window));
        Arrive(trimmer, 3000);
        Assert.False(trimmer.Observe(3, 2 * window));

        Arrive(trimmer, 10);
        Assert.True(trimmer.Observe(0, 3 * window));
    }

    [Fact]
    public void Small_bursts_and_a_recent_trim_leave_memory_alone()
    {
        var trimmer = new MemoryTrimmer();
        var cooldown = (long)MemoryTrimmer.Cooldown.TotalMilliseconds;

        Assert.False(trimmer.Observe(MemoryTrimmer.MinimumBurst - 1, 1_000));
        Assert.False(trimmer.Observe(0, 2_000));
        Assert.False(trimmer.Observe(1000, 3_000));
        Assert.True(trimmer.Observe(0, 4_000));
        Assert.False(trimmer.Observe(2000, 5_000));
        Assert.False(trimmer.Observe(0, 6_000));
        Assert.True(trimmer.Observe(0, 4_000 + cooldown));
    }

    private static void Arrive(MemoryTrimmer trimmer, int connections)
    {
        for (var i = 0; i < connections; i++)
        {
            trimmer.Arrived();
        }
    }
}
