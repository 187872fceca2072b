using FakeMx.Reports;

namespace FakeMx.Tests.Reports;

public sealed class AddressListFileTests
{
    [Fact]
    public void Comments_blank_lines_and_trailing_comments_are_ignored()
    {
        var text = "# partners\n\n192.0.2.0/24   # relay\n2001:db8::1\r\n  198.51.100.7\n";

        Assert.True(AddressListFile.TryParse(text, "allow.txt", out var list, out var problems));

        Assert.Empty(problems);
        Assert.Equal(["192.0.2.0/24", "198.51.100.7/32", "2001:db8::1/128"],
            list.Networks.Select(n => n.ToCidrString()));
        Assert.True(list.Overlaps(IpNetwork.Parse("192.0.2.55")));
        Assert.False(list.Overlaps(IpNetwork.Parse("192.0.3.1")));
    }

    [Fact]
    public void Every_bad_line_is_named_with_its_file_and_line_number()
    {
        var text = "192.0.2.0/24\nnonsense\n10.0.0.1/8\n";

        Assert.False(AddressListFile.TryParse(text, "allow.txt", out _, out var problems));

        Assert.Equal(2, problems.Count);
        Assert.StartsWith("allow.txt:2: ", problems[0]);
        Assert.StartsWith("allow.txt:3: ", problems[1]);
        Assert.Contains("did you mean 10.0.0.0/8", problems[1]);
    }

    [Fact]
    public void A_missing_file_is_a_problem_not_an_empty_list()
    {
        Assert.False(AddressListFile.TryLoad("/nonexistent/fakemx-allow.txt", out _, out var problems));
        Assert.Contains("cannot read", Assert.Single(problems));
    }
}
