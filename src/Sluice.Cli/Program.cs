using Sluice.Cli.Commands;

return await CliCommands.Create(CliEnvironment.Console).Parse(args).InvokeAsync().ConfigureAwait(false);
