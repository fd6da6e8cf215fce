using System.Text.Json;
using Microsoft.Playwright;

namespace Sluice.Server.Tests.Interop;

/// <summary>What the page of <see cref="BrowserPages.ThinPlayerJs"/> reports of its player.</summary>
internal static class ThinPlayer
{
    public static async Task<PlayerStats> StatsAsync(IPage page)
    {
        var stats = await page.EvaluateAsync<JsonElement>("() => window.stats()");
        return new PlayerStats(stats.GetProperty("width").GetInt32(), stats.GetProperty("decoded").GetInt64(), stats.GetProperty("freezes").GetInt64(),
            stats.GetProperty("frozen").GetDouble(), stats.GetProperty("videoLost").GetInt64(), stats.GetProperty("videoPackets").GetInt64(),
            stats.GetProperty("audioPackets").GetInt64(), stats.GetProperty("audioLost").GetInt64());
    }
}

/// <summary>The player's video and audio as getStats' inbound-rtp counts them.</summary>
internal sealed record PlayerStats(int Width, long Decoded, long Freezes, double Frozen, long VideoLost, long VideoPackets, long AudioPackets, long AudioLost);
