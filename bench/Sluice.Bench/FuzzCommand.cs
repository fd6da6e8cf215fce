using System.Globalization;
using Sluice.Rtc.Tests.Fuzzing;
using Sluice.Rtc.Tests.Sctp;

namespace Sluice.Bench;

/// <summary>
/// <c>fuzz-sctp [--inputs N] [--seed N] [--target NAME]</c>: runs the SCTP and DCEP fuzz targets that the test suite
/// runs briefly (tests/Sluice.Rtc.Tests/Sctp/SctpFuzzTargets.cs, compiled into this project too), a million inputs
/// each by default. Prints inputs, accepted, seconds, rate and exceptions per target, then the first failing inputs;
/// exits 1 if any input threw.
/// </summary>
internal static class FuzzCommand
{
    public const string Name = "fuzz-sctp";

    public static int Run(string[] args)
    {
        long inputs = 1_000_000;
        var seed = 1;
        string? only = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--inputs" when long.TryParse(value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out inputs) && inputs > 0:
                case "--seed" when int.TryParse(value, CultureInfo.InvariantCulture, out seed):
                case "--target" when (only = value) is not null:
                    i++;
                    break;
                default:
                    Console.Error.WriteLine($"usage: {Name} [--inputs N] [--seed N] [--target NAME]; unexpected '{args[i]}'");
                    return 2;
            }
        }

        var targets = SctpFuzzTargets.All().Where(t => only is null || t.Name == only).ToList();
        if (targets.Count == 0)
        {
            Console.Error.WriteLine($"no target named '{only}'; there are: {string.Join(", ", SctpFuzzTargets.All().Select(t => t.Name))}");
            return 2;
        }

        Console.WriteLine($"seed {seed}");
        Console.WriteLine($"{"target",-14} {"inputs",12} {"accepted",12} {"seconds",8} {"inputs/s",12} {"exceptions",10}");
        var results = new List<FuzzResult>();
        foreach (var target in targets)
        {
            var result = Fuzzer.Run(target, inputs, seed);
            results.Add(result);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Target,-14} {result.Inputs,12:N0} {result.Accepted,12:N0} {result.Elapsed.TotalSeconds,8:F2} {result.InputsPerSecond,12:N0} {result.Exceptions,10:N0}"));
        }

        foreach (var failed in results.Where(r => r.Exceptions > 0))
        {
            Console.WriteLine();
            Console.WriteLine($"{failed.Target}: first {failed.Failures.Count} of {failed.Exceptions:N0} failing inputs");
            Console.WriteLine(failed.Describe());
        }

        return results.Any(r => r.Exceptions > 0) ? 1 : 0;
    }
}
