using Sluice.Rtc.Sctp;
using Sluice.Testing;

namespace Sluice.Rtc.Tests.Sctp;

/// <summary>
/// Two data channel endpoints wired back to back in memory, a DTLS client and a DTLS server, on a manual clock.
/// Packets are queued, not delivered inside the sender's call, and <see cref="Pump"/> moves them, dropping a chosen
/// share (the network's loss) with a fixed seed, and ticks both ends every 100 ms of simulated time.
/// </summary>
internal sealed class SctpLoopback
{
    private readonly Queue<(bool ToServer, byte[] Packet)> _wire = new();
    private readonly Random _random = new(7);

    public SctpLoopback(double loss = 0, Func<byte[], bool>? dropToServer = null, DataChannelEndpointOptions? serverOptions = null)
    {
        Loss = loss;
        DropToServer = dropToServer;
        Client = new DataChannelEndpoint(new DataChannelEndpointOptions { IsDtlsClient = true, RemoteMaxMessageSize = 262144 },
            packet => _wire.Enqueue((true, packet.ToArray())), Time);
        Server = new DataChannelEndpoint((serverOptions ?? new DataChannelEndpointOptions { RemoteMaxMessageSize = 262144 }) with { IsDtlsClient = false },
            packet => _wire.Enqueue((false, packet.ToArray())), Time);
        Client.MessageReceived = (channel, message) => ClientReceived.Add((channel.Label, message));
        Server.MessageReceived = (channel, message) => ServerReceived.Add((channel.Label, message));
        Server.ChannelOpened = channel => ServerOpened.Add(channel);
        Client.ChannelOpened = channel => ClientOpened.Add(channel);
    }

    public ManualTimeProvider Time { get; } = new();

    public double Loss { get; set; }

    public Func<byte[], bool>? DropToServer { get; set; }

    public DataChannelEndpoint Client { get; }

    public DataChannelEndpoint Server { get; }

    public List<(string Label, DataMessage Message)> ClientReceived { get; } = [];

    public List<(string Label, DataMessage Message)> ServerReceived { get; } = [];

    public List<DataChannel> ServerOpened { get; } = [];

    public List<DataChannel> ClientOpened { get; } = [];

    public long PacketsDelivered { get; private set; }

    public long PacketsDropped { get; private set; }

    /// <summary>Starts the association and pumps until both ends are established.</summary>
    public void Connect()
    {
        Client.Start();
        Server.Start();
        Pump(until: () => Client.IsEstablished && Server.IsEstablished, maxSeconds: 30);
    }

    /// <summary>Delivers queued packets (with loss), advancing the clock by 10 ms per empty wire, until <paramref name="until"/> holds.</summary>
    public void Pump(Func<bool> until, double maxSeconds = 60)
    {
        var deadline = Time.GetUtcNow() + TimeSpan.FromSeconds(maxSeconds);
        var sinceTick = TimeSpan.Zero;
        while (!until())
        {
            if (Time.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"not reached in {maxSeconds} simulated seconds; delivered {PacketsDelivered}, dropped {PacketsDropped}");
            }

            if (_wire.Count == 0)
            {
                Time.Advance(TimeSpan.FromMilliseconds(10));
                sinceTick += TimeSpan.FromMilliseconds(10);
                if (sinceTick >= TimeSpan.FromMilliseconds(100))
                {
                    sinceTick = TimeSpan.Zero;
                    Client.Tick();
                    Server.Tick();
                }

                continue;
            }

            var (toServer, packet) = _wire.Dequeue();
            if ((Loss > 0 && _random.NextDouble() < Loss) || (toServer && DropToServer?.Invoke(packet) == true))
            {
                PacketsDropped++;
                continue;
            }

            PacketsDelivered++;
            (toServer ? Server : Client).Receive(packet);
        }
    }
}
