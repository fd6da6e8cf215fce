using Sluice.Cli.Load;
using Sluice.Testing;

namespace Sluice.Cli.Tests.Load;

/// <summary>
/// The load tester (and so WhepSubscriber's signaling, ICE, DTLS and receive path) against a stand-in ICE-lite
/// server built from Sluice.Rtc, all on 127.0.0.1.
/// </summary>
public sealed class LoadTesterTests
{
    [Fact]
    public async Task Subscribers_Connect_CountPacketsAndLosses_AndAreDeleted()
    {
        using var server = new FakeWhepServer(packetsPerSession: 60, skip: new HashSet<int> { 10, 11, 30 });
        using var http = new HttpClient();
        var tester = new LoadTester(new LoadTesterOptions(server.Endpoint, Subscribers: 3, Duration: TimeSpan.FromSeconds(5)) { BatchSize = 2 }, http);

        var report = await Await.WithTimeout(tester.RunAsync(CancellationToken.None), TimeSpan.FromSeconds(30), "the load test");

        Assert.Equal(3, report.Connected);
        Assert.Equal(3 * 57, report.Packets);
        Assert.Equal(3 * 3, report.Lost);
        Assert.NotNull(report.FirstPacketMax);
        Assert.True(report.FirstPacketP50 <= report.FirstPacketP95);
        Assert.Empty(report.Failures);
        Assert.Equal(3, server.Http.Requests.Count(r => r.Method == "POST"));
        Assert.Equal(3, server.Http.Requests.Count(r => r.Method == "DELETE" && r.Path.StartsWith("/whep/sessions/", StringComparison.Ordinal)));
        Assert.Contains("subscribers connected", report.ToTable());
    }

    [Fact]
    public void Percentile_IsNearestRank()
    {
        TimeSpan[] sorted = [.. Enumerable.Range(1, 20).Select(i => TimeSpan.FromMilliseconds(i))];
        Assert.Equal(TimeSpan.FromMilliseconds(10), LoadReport.Percentile(sorted, 50));
        Assert.Equal(TimeSpan.FromMilliseconds(19), LoadReport.Percentile(sorted, 95));
        Assert.Null(LoadReport.Percentile([], 50));
    }
}
