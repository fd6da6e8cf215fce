using System.Buffers.Binary;
using Sluice.Rtc.Sctp;
using Sluice.Rtc.Tests.Fuzzing;

namespace Sluice.Rtc.Tests.Sctp;

/// <summary>
/// The whole receive path of a live association (and the data channels on it): mutated packets a real peer sent
/// (handshake, DATA of every kind, SACK, FORWARD-TSN, stream reset, HEARTBEAT) are fed to an established server
/// end, resealed with its current verification tag so most reach the chunk handlers. When an input closes the
/// association (an ABORT), a fresh pair is set up.
/// </summary>
internal sealed class SctpAssociationFuzzTarget
{
    private readonly List<byte[]> _captured = [];
    private readonly Random _random = new(5000);
    private readonly FixedTime _time = new();
    private Queue<(bool ToServer, byte[] Packet)> _wire = new();
    private DataChannelEndpoint _client = null!;
    private DataChannelEndpoint _server = null!;
    private uint _serverTag;
    private bool _capturing;

    public static FuzzTarget Create()
    {
        var target = new SctpAssociationFuzzTarget();
        var seeds = target.CaptureSeeds();
        return new FuzzTarget("sctp-association", seeds, target.Feed, target.Fixup);
    }

    private List<FuzzSeed> CaptureSeeds()
    {
        _capturing = true;
        Connect();
        var reliable = _client.Open("chat", "json", new DataChannelOptions())!;
        var unordered = _client.Open("lossy", string.Empty, new DataChannelOptions(Ordered: false, MaxRetransmits: 0))!;
        reliable.Send("hello");
        reliable.Send(new byte[3000], binary: true);
        reliable.Send([], binary: true);
        unordered.Send("gone");
        Pump();
        _client.Association.Tick();
        reliable.Close();
        Pump();
        _capturing = false;
        return [.. _captured.Select(packet => SctpFuzzTargets.DescribeForFuzzing(packet))];
    }

    private void Connect()
    {
        _wire = new Queue<(bool, byte[])>();
        // Seeded tags and TSNs and a clock that never moves: the same inputs give the same run.
        _client = new DataChannelEndpoint(new DataChannelEndpointOptions { IsDtlsClient = true, RemoteMaxMessageSize = 262144, Random = _random },
            packet => _wire.Enqueue((true, packet.ToArray())), _time);
        _server = new DataChannelEndpoint(new DataChannelEndpointOptions { IsDtlsClient = false, RemoteMaxMessageSize = 262144, Random = _random },
            packet => _wire.Enqueue((false, packet.ToArray())), _time);
        // The COOKIE-ECHO carries the server's tag: Pump picks it up.
        _serverTag = 0;
        _client.Start();
        Pump();
    }

    private void Pump()
    {
        for (var i = 0; i < 10_000 && _wire.Count > 0; i++)
        {
            var (toServer, packet) = _wire.Dequeue();
            if (toServer)
            {
                if (_capturing)
                {
                    _captured.Add(packet);
                }

                if (_serverTag == 0 && packet.Length >= SctpPacket.HeaderLength && BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(4)) != 0)
                {
                    _serverTag = BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(4));
                }

                _server.Receive(packet);
            }
            else
            {
                _client.Receive(packet);
            }
        }
    }

    /// <summary>Puts the live association's tag on the input (an INIT keeps its zero tag) and reseals it.</summary>
    private void Fixup(Span<byte> input)
    {
        if (input.Length < SctpPacket.HeaderLength)
        {
            return;
        }

        var isInit = input.Length > SctpPacket.HeaderLength && input[SctpPacket.HeaderLength] == (byte)SctpChunkType.Init;
        BinaryPrimitives.WriteUInt32BigEndian(input[4..], isInit ? 0 : _serverTag);
        SctpPacket.Seal(input);
    }

    /// <summary>Accepted: the packet passed checksum, ports, tag and chunk parsing (nothing counted as malformed).</summary>
    private bool Feed(ReadOnlySpan<byte> input)
    {
        var stats = _server.Association.Stats;
        var bad = stats.BadChecksum + stats.Malformed + stats.BadVerificationTag;
        _server.Receive(input);
        var accepted = stats.BadChecksum + stats.Malformed + stats.BadVerificationTag == bad;

        // Whatever the server answered goes to the client, and back, as on a network.
        Pump();
        if (_server.Association.State != SctpState.Established || _client.Association.State != SctpState.Established)
        {
            Connect();
        }

        return accepted;
    }

    /// <summary>A clock stopped at one instant.</summary>
    private sealed class FixedTime : TimeProvider
    {
        private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;

        public override long GetTimestamp() => 1_000_000;
    }
}
