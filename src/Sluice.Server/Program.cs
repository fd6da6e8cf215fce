using Sluice.Server;

var app = SluiceApp.Build(args);

// The node starts with the host: it binds the media port and generates its DTLS certificate now.
_ = app.Services.GetRequiredService<Sluice.Sfu.SfuNode>();
await app.RunAsync();
