using System.Text;
using Sluice.Rtc.Sdp;

namespace Sluice.Rtc.Tests.Sdp;

/// <summary>Bad input only ever takes the documented false/error path; accepted input writes and re-reads stably.</summary>
public class SdpRobustnessTests
{
    public static TheoryData<string> Offers => new(ChromiumOffers.All);

    [Theory]
    [MemberData(nameof(Offers))]
    public void Every_truncation_is_handled(string name)
    {
        var text = ChromiumOffers.Load(name);
        var requiredEnd = text.IndexOf("\r\nt=", StringComparison.Ordinal) + 4;
        for (var length = 0; length <= text.Length; length++)
        {
            var accepted = Check(text[..length]);
            if (length < requiredEnd)
            {
                Assert.False(accepted, $"a truncation to {length} characters, before the t= line, was accepted");
            }
        }
    }

    [Fact]
    public void Random_mutations_are_handled()
    {
        var random = new Random(8866);
        var sources = Array.ConvertAll(ChromiumOffers.All, ChromiumOffers.Load);
        const string alphabet = " :/=;-0123456789abcmtvx*\r\n\0\tAZ~";
        var accepted = 0;
        for (var i = 0; i < 5000; i++)
        {
            var lines = new List<string>(sources[random.Next(sources.Length)].Split("\r\n"));
            var mutations = random.Next(1, 4);
            for (var m = 0; m < mutations && lines.Count > 0; m++)
            {
                var index = random.Next(lines.Count);
                switch (random.Next(6))
                {
                    case 0:
                        lines.RemoveAt(index);
                        break;
                    case 1:
                        lines.Insert(index, lines[index]);
                        break;
                    case 2:
                        lines[index] = Garble(random, lines[index], alphabet);
                        break;
                    case 3 when lines[index].Length > 0:
                        lines[index] = lines[index].Remove(random.Next(lines[index].Length), 1);
                        break;
                    case 4:
                        lines[index] = lines[index].Insert(random.Next(lines[index].Length + 1), alphabet[random.Next(alphabet.Length)].ToString());
                        break;
                    default:
                        var other = random.Next(lines.Count);
                        (lines[index], lines[other]) = (lines[other], lines[index]);
                        break;
                }
            }

            if (Check(string.Join("\r\n", lines)))
            {
                accepted++;
            }
        }

        // Both paths were exercised.
        Assert.InRange(accepted, 1, 4999);
    }

    private static string Garble(Random random, string line, string alphabet)
    {
        if (line.Length == 0)
        {
            return line;
        }

        var sb = new StringBuilder(line);
        sb[random.Next(sb.Length)] = alphabet[random.Next(alphabet.Length)];
        return sb.ToString();
    }

    /// <summary>Parses; an accepted description must write, re-read and answer without exceptions.</summary>
    private static bool Check(string text)
    {
        if (!SessionDescription.TryParse(text, out var description, out var error))
        {
            Assert.Null(description);
            Assert.StartsWith("line ", error, StringComparison.Ordinal);
            // Exceptions are slow; sampling is enough to see Parse report the same message.
            if ((text.Length & 31) == 0)
            {
                Assert.Equal(error, Assert.Throws<SdpParseException>(() => SessionDescription.Parse(text)).Message);
            }

            return false;
        }

        var written = description!.ToString();
        Assert.True(SessionDescription.TryParse(written, out var again, out var againError), againError);
        Assert.Equal(written, again!.ToString());
        SdpAnswerer.TryCreateAnswer(description, new SdpAnswerOptions
        {
            IceUfrag = "u",
            IcePwd = "p",
            Fingerprint = "sha-256 00",
            Codecs = [SdpCodecCapability.Opus, SdpCodecCapability.VP8, SdpCodecCapability.H264ConstrainedBaseline, SdpCodecCapability.VP9Profile0],
            AcceptDataChannel = true,
        }, out _, out _);
        return true;
    }
}
