namespace Sluice.Rtc.Tests.Sdp;

/// <summary>The captured Chromium 156 offers in TestData/Sdp (see the README there).</summary>
internal static class ChromiumOffers
{
    public const string SendOnly = "chromium156-sendonly.sdp";
    public const string RecvOnly = "chromium156-recvonly.sdp";
    public const string Simulcast = "chromium156-simulcast.sdp";
    public const string DataChannel = "chromium156-datachannel.sdp";

    public static readonly string[] All = [SendOnly, RecvOnly, Simulcast, DataChannel];

    public static string Load(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "Sdp", name));
}
