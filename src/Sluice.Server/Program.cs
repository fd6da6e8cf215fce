using Sluice.Server;

WebApplication app;
try
{
    app = SluiceApp.Build(args);

    // The node starts with the host: it binds the media port and generates its DTLS certificate now.
    _ = app.Services.GetRequiredService<Sluice.Sfu.SfuNode>();
}
catch (SluiceConfigurationException e)
{
    Console.Error.WriteLine("sluice: " + e.Message);
    return 2;
}

await app.RunAsync();
return 0;
