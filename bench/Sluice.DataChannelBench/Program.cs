using Sluice.DataChannelBench;

return await BenchCommand.RunAsync(args);
