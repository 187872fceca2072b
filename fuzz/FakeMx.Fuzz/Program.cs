using FakeMx.Tests.Fuzz;
using SharpFuzz;

// afl-fuzz starts this once and feeds it inputs through SharpFuzz's fork server. Each input runs
// through SmtpLineFramer into SmtpSession; an exception (an invariant broken, or any other) is
// a crash for afl++ to keep.
//
// With a file argument it runs that one input and reports, to reproduce a crash by hand:
//   dotnet fuzz/out/FakeMx.Fuzz.dll fuzz/findings/default/crashes/id:000000...
if (args.Length == 1)
{
    SessionFuzzDriver.Run(File.ReadAllBytes(args[0]));
    Console.WriteLine("invariants held");
    return;
}

Fuzzer.Run(stream =>
{
    using var memory = new MemoryStream();
    stream.CopyTo(memory);
    SessionFuzzDriver.Run(memory.ToArray());
});
