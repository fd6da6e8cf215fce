using BenchmarkDotNet.Running;
using Sluice.Bench;

if (args is [FuzzCommand.Name, .. var fuzzArgs])
{
    return FuzzCommand.Run(fuzzArgs);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
