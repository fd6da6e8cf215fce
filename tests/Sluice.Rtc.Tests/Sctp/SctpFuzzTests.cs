using Sluice.Rtc.Tests.Fuzzing;

namespace Sluice.Rtc.Tests.Sctp;

/// <summary>
/// Network input never throws: each SCTP and DCEP fuzz target runs 20,000 inputs with a fixed seed. For long runs
/// use <c>dotnet run -c Release --project bench/Sluice.Bench -- fuzz-sctp</c>.
/// </summary>
public class SctpFuzzTests
{
    private const int Inputs = 20_000;
    private const int Seed = 20260214;

    public static TheoryData<string> Targets => new(SctpFuzzTargets.All().Select(t => t.Name));

    [Theory]
    [MemberData(nameof(Targets))]
    public void Target_NoExceptionEscapes(string name)
    {
        var result = Fuzzer.Run(Target(name), Inputs, Seed);

        Assert.True(result.Exceptions == 0, $"{result.Exceptions} of {result.Inputs} inputs threw:{Environment.NewLine}{result.Describe()}");
        // If the parser accepted almost everything or almost nothing, the mutations no longer reach both sides of its checks.
        Assert.InRange(result.Accepted, Inputs / 10, Inputs - (Inputs / 10));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void EverySeed_IsAccepted(string name)
    {
        var target = Target(name);

        Assert.NotEmpty(target.Seeds);
        Assert.All(target.Seeds, seed => Assert.True(target.Body(seed.Bytes), Convert.ToHexString(seed.Bytes)));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void SameSeed_GivesTheSameRun(string name)
    {
        var first = Fuzzer.Run(Target(name), 2_000, Seed);
        var second = Fuzzer.Run(Target(name), 2_000, Seed);

        Assert.Equal(first.Accepted, second.Accepted);
    }

    private static FuzzTarget Target(string name) => SctpFuzzTargets.All().Single(t => t.Name == name);
}
