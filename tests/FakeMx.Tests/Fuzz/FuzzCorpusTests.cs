using System.Text;

namespace FakeMx.Tests.Fuzz;

/// <summary>
/// The SMTP core's invariants (never 354, never 250 to end of data, well-formed replies, no
/// exception, bounded buffering) over the checked-in fuzzing corpus and over seeded random
/// input, so what afl++ found stays fixed and CI keeps probing without afl++.
/// </summary>
public sealed class FuzzCorpusTests
{
    private static readonly string Corpus = Path.Combine(AppContext.BaseDirectory, "Fuzz", "corpus");

    public static TheoryData<string> CorpusFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Corpus).Order())
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_corpus_input_keeps_the_invariants(string file) =>
        SessionFuzzDriver.Run(File.ReadAllBytes(Path.Combine(Corpus, file)));

    [Fact]
    public void The_corpus_is_there()
    {
        Assert.True(Directory.GetFiles(Corpus).Length >= 10, $"expected the fuzzing corpus in {Corpus}");
    }

    [Fact]
    public void Seeded_random_inputs_keep_the_invariants()
    {
        string[] tokens =
        [
            "EHLO x", "HELO y", "MAIL FROM:<a@b.c>", "MAIL FROM:<>", "RCPT TO:<u@v.w>", "RCPT TO:<postmaster>",
            "DATA", ".", "RSET", "NOOP", "QUIT", "VRFY u", "HELP", "STARTTLS", "STARTTLS x", "AUTH PLAIN",
            "BDAT 10", "MAIL FROM:<a@b.c> SIZE=1 BODY=8BITMIME SMTPUTF8", "\u00e9\u20ac", "\0", " ", ":", "<", ">",
        ];
        string[] ends = ["\r\n", "\n", "\r", "", "\r\r\n"];

        for (var seed = 0; seed < 3000; seed++)
        {
            var random = new Random(seed);
            var input = new List<byte>();
            var parts = random.Next(1, 40);
            for (var i = 0; i < parts; i++)
            {
                switch (random.Next(10))
                {
                    case 0:
                        var noise = new byte[random.Next(1, 64)];
                        random.NextBytes(noise);
                        input.AddRange(noise);
                        break;
                    case 1:
                        input.AddRange(Enumerable.Repeat((byte)'A', random.Next(400, 700)));
                        break;
                    default:
                        input.AddRange(Encoding.UTF8.GetBytes(tokens[random.Next(tokens.Length)]));
                        break;
                }

                input.AddRange(Encoding.ASCII.GetBytes(ends[random.Next(ends.Length)]));
            }

            try
            {
                SessionFuzzDriver.Run(input.ToArray());
            }
            catch (Exception error)
            {
                var replay = Convert.ToBase64String(input.ToArray());
                Assert.Fail($"seed {seed}: {error.GetType().Name}: {error.Message}\n{replay}");
            }
        }
    }
}
