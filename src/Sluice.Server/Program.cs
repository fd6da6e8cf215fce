using System.Net.Sockets;
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

try
{
    await app.RunAsync();
}
catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException or SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
{
    // Kestrel could not bind the HTTP address: say which, in one line, like a configuration error.
    Console.Error.WriteLine($"sluice: Listen: {app.Configuration["Listen"] ?? new ServerOptions().Listen} is already in use by another process; free it or choose another with --listen");
    return 2;
}

return 0;
