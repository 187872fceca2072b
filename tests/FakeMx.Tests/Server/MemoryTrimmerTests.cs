using FakeMx.Server;

namespace FakeMx.Tests.Server;

public sealed class MemoryTrimmerTests
{
    [Fact]
    public void Memory_is_trimmed_once_a_large_burst_has_fallen_to_a_tenth()
    {
        var trimmer = new MemoryTrimmer();

        Assert.False(trimmer.Observe(5000, 1_000));
        Assert.False(trimmer.Observe(800, 2_000));
        Assert.True(trimmer.Observe(400, 3_000));
        Assert.False(trimmer.Observe(10, 4_000));
    }

    [Fact]
    public void Small_bursts_and_a_recent_trim_leave_memory_alone()
    {
        var trimmer = new MemoryTrimmer();

        Assert.False(trimmer.Observe(MemoryTrimmer.MinimumPeak - 1, 1_000));
        Assert.False(trimmer.Observe(0, 2_000));
        Assert.False(trimmer.Observe(1000, 3_000));
        Assert.True(trimmer.Observe(0, 4_000));
        Assert.False(trimmer.Observe(2000, 5_000));
        Assert.False(trimmer.Observe(0, 6_000));
        Assert.True(trimmer.Observe(0, 4_000 + (long)MemoryTrimmer.Cooldown.TotalMilliseconds));
    }
}
