using System.CommandLine;
using Sluice.Cli.Commands;
using Sluice.Cli.Tests.Signaling;

namespace Sluice.Cli.Tests.Commands;

/// <summary>Parsing and validation of the three commands, and the exit code of a refused POST.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _file = Path.GetTempFileName();

    private static RootCommand Root(StringWriter? output = null, StringWriter? error = null) =>
        CliCommands.Create(new CliEnvironment(output ?? new StringWriter(), error ?? new StringWriter(), () => new HttpClient()));

    private static string Errors(ParseResult result) => string.Join("\n", result.Errors.Select(e => e.Message));

    [Fact]
    public void Whip_ValidArguments_ParseWithoutErrors()
    {
        var result = Root().Parse(["whip", "http://127.0.0.1:7777/whip/cam", "--video", _file, "--audio", _file, "--loop", "--token", "T", "--fps", "25"]);
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Whip_MissingUrl_IsAnError()
    {
        var result = Root().Parse(["whip", "--video", _file]);
        Assert.NotEmpty(result.Errors);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://127.0.0.1/whip/cam")]
    [InlineData("/whip/cam")]
    public void Whip_BadUrl_SaysWhatIsWrong(string url)
    {
        var result = Root().Parse(["whip", url, "--video", _file]);
        Assert.Contains("is not an http:// or https:// URL", Errors(result));
    }

    [Fact]
    public void Whip_NothingToPublish_IsAnError()
    {
        var result = Root().Parse(["whip", "http://127.0.0.1:7777/whip/cam"]);
        Assert.Contains("--video and/or --audio", Errors(result));
    }

    [Fact]
    public void Whip_MissingFile_IsAnError()
    {
        var result = Root().Parse(["whip", "http://127.0.0.1:7777/whip/cam", "--video", "/nonexistent/x.ivf"]);
        Assert.Contains("does not exist", Errors(result));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("fast")]
    public void Whip_BadFps_IsAnError(string fps)
    {
        var result = Root().Parse(["whip", "http://127.0.0.1:7777/whip/cam", "--video", _file, "--fps", fps]);
        Assert.NotEmpty(result.Errors);
    }

    [Fact]
    public void Whep_ValidArguments_ParseWithoutErrors()
    {
        var result = Root().Parse(["whep", "https://sfu.example.com/whep/cam", "--video-out", "v.ivf", "--audio-out", "a.ogg", "--duration", "2.5", "--token", "T"]);
        Assert.Empty(result.Errors);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("soon")]
    public void Whep_BadDuration_IsAnError(string duration)
    {
        var result = Root().Parse(["whep", "http://127.0.0.1:7777/whep/cam", "--duration", duration]);
        Assert.NotEmpty(result.Errors);
    }

    [Fact]
    public void Load_ValidArguments_ParseWithoutErrors()
    {
        var result = Root().Parse(["load", "http://127.0.0.1:7777/whep/cam", "--subscribers", "50", "--duration", "10"]);
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Load_of_a_room_needs_media_for_its_publishers()
    {
        Assert.Contains("--publishers needs --video", Errors(Root().Parse(["load", "http://127.0.0.1:7777", "--room", "r", "--publishers", "2", "--subscribers", "3", "--duration", "5"])));
        Assert.Empty(Root().Parse(["load", "http://127.0.0.1:7777", "--room", "r", "--publishers", "2", "--subscribers", "0", "--duration", "5", "--video", _file]).Errors);
        Assert.Contains("Without --room", Errors(Root().Parse(["load", "http://127.0.0.1:7777/whep/cam", "--publishers", "2", "--subscribers", "3", "--duration", "5", "--video", _file])));
    }

    [Fact]
    public void Room_needs_something_to_do_and_its_room_and_id()
    {
        Assert.Contains("nothing to do", Errors(Root().Parse(["room", "http://127.0.0.1:7777", "--room", "r", "--id", "ann"])));
        Assert.Empty(Root().Parse(["room", "http://127.0.0.1:7777", "--room", "r", "--id", "ann", "--subscribe", "--video", _file, "--duration", "3"]).Errors);
        var missing = Errors(Root().Parse(["room", "http://127.0.0.1:7777", "--subscribe"]));
        Assert.Contains("--room", missing);
        Assert.Contains("--id", missing);
    }

    [Fact]
    public void Load_MissingRequiredOptions_AreErrors()
    {
        var result = Root().Parse(["load", "http://127.0.0.1:7777/whep/cam"]);
        var errors = Errors(result);
        Assert.Contains("--subscribers", errors);
        Assert.Contains("--duration", errors);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("many")]
    public void Load_BadSubscriberCount_IsAnError(string count)
    {
        var result = Root().Parse(["load", "http://127.0.0.1:7777/whep/cam", "--subscribers", count, "--duration", "5"]);
        Assert.NotEmpty(result.Errors);
    }

    [Fact]
    public async Task Whep_ForbiddenPost_ExitsNonZero_AndPrintsTheProblemTitle()
    {
        const string problem = """{"title":"stream not found","status":404,"detail":"no publisher on 'cam'"}""";
        using var server = new TestHttpServer(_ => new TestResponse(404, problem, "application/problem+json"));
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = await Root(output, error).Parse(["whep", new Uri(server.BaseUri, "whep/cam").ToString(), "--duration", "1"]).InvokeAsync();

        Assert.Equal(CliCommands.Failure, exit);
        Assert.Contains("404 Not Found: stream not found (no publisher on 'cam')", error.ToString());
        Assert.Equal("POST", Assert.Single(server.Requests).Method);
    }

    public void Dispose() => File.Delete(_file);
}
