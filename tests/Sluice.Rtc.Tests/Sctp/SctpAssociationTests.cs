using System.Security.Cryptography;
using Sluice.Rtc.Sctp;

namespace Sluice.Rtc.Tests.Sctp;

public sealed class SctpAssociationTests
{
    [Fact]
    public void The_dtls_client_initiates_and_both_ends_come_up()
    {
        var loopback = new SctpLoopback();
        loopback.Connect();

        Assert.Equal(SctpState.Established, loopback.Client.Association.State);
        Assert.Equal(SctpState.Established, loopback.Server.Association.State);
        Assert.True(loopback.Client.Association.PeerSupportsForwardTsn);
    }

    [Fact]
    public void A_channel_opened_by_the_client_gets_an_even_id_and_carries_text_and_binary_both_ways()
    {
        var loopback = new SctpLoopback();
        loopback.Connect();

        var chat = loopback.Client.Open("chat", "json", new DataChannelOptions())!;
        Assert.Equal(0, chat.Id);
        chat.Send("hello");
        chat.Send([1, 2, 3], binary: true);
        chat.Send([], binary: true);
        chat.Send(string.Empty);
        loopback.Pump(() => loopback.ServerReceived.Count == 4);

        var opened = Assert.Single(loopback.ServerOpened);
        Assert.Equal(("chat", "json", true), (opened.Label, opened.Protocol, opened.Options.Ordered));
        Assert.Equal("hello", System.Text.Encoding.UTF8.GetString(loopback.ServerReceived[0].Message.Data));
        Assert.False(loopback.ServerReceived[0].Message.IsBinary);
        Assert.Equal([1, 2, 3], loopback.ServerReceived[1].Message.Data);
        Assert.True(loopback.ServerReceived[1].Message.IsBinary);
        Assert.Equal((true, 0), (loopback.ServerReceived[2].Message.IsBinary, loopback.ServerReceived[2].Message.Data.Length));
        Assert.Equal((false, 0), (loopback.ServerReceived[3].Message.IsBinary, loopback.ServerReceived[3].Message.Data.Length));

        opened.Send("back");
        loopback.Pump(() => loopback.ClientReceived.Count == 1);
        Assert.Equal("chat", loopback.ClientReceived[0].Label);

        var server = loopback.Server.Open("up", string.Empty, new DataChannelOptions())!;
        Assert.Equal(1, server.Id);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    [InlineData(0.2)]
    public void An_ordered_reliable_channel_delivers_every_message_in_order_through_loss(double loss)
    {
        var loopback = new SctpLoopback();
        loopback.Connect();
        loopback.Loss = loss;
        var channel = loopback.Client.Open("bulk", string.Empty, new DataChannelOptions())!;
        var random = new Random(1);
        var sent = new List<byte[]>();
        for (var i = 0; i < 300; i++)
        {
            var size = i % 50 == 0 ? 262144 : random.Next(1, 5000);
            var message = new byte[size];
            random.NextBytes(message);
            sent.Add(message);
            while (channel.Send(message, binary: true) == DataSendResult.BufferFull)
            {
                loopback.Pump(() => channel.BufferedAmount < 512 * 1024, maxSeconds: 600);
            }
        }

        loopback.Pump(() => loopback.ServerReceived.Count == sent.Count, maxSeconds: 600);
        for (var i = 0; i < sent.Count; i++)
        {
            Assert.True(sent[i].AsSpan().SequenceEqual(loopback.ServerReceived[i].Message.Data), $"message {i} differs: sent {sent[i].Length} bytes, received {loopback.ServerReceived[i].Message.Data.Length}, index of sent {sent.FindIndex(s => s.AsSpan().SequenceEqual(loopback.ServerReceived[i].Message.Data))}");
        }

        if (loss > 0)
        {
            Assert.True(loopback.PacketsDropped > 0);
            Assert.True(loopback.Client.Association.Stats.Retransmissions > 0);
        }

        loopback.Pump(() => channel.BufferedAmount == 0);
    }

    [Fact]
    public void An_unordered_channel_without_retransmissions_skips_lost_messages_with_forward_tsn()
    {
        var loopback = new SctpLoopback();
        loopback.Connect();
        var channel = loopback.Client.Open("telemetry", string.Empty, new DataChannelOptions(Ordered: false, MaxRetransmits: 0))!;
        loopback.Pump(() => loopback.ServerOpened.Count == 1);
        loopback.Loss = 0.1;
        for (var i = 0; i < 200; i++)
        {
            channel.Send($"sample {i}");
            loopback.Pump(() => true);
        }

        loopback.Pump(() => channel.BufferedAmount == 0, maxSeconds: 60);
        loopback.Loss = 0;
        var reliable = loopback.Client.Open("after", string.Empty, new DataChannelOptions())!;
        reliable.Send("done");
        loopback.Pump(() => loopback.ServerReceived.Exists(r => r.Label == "after"));

        var received = loopback.ServerReceived.Count(r => r.Label == "telemetry");
        Assert.InRange(received, 100, 199);
        Assert.True(loopback.Client.Association.Stats.AbandonedMessages > 0);
    }

    [Fact]
    public void Closing_a_channel_resets_the_stream_and_both_sides_see_it_closed()
    {
        var loopback = new SctpLoopback();
        loopback.Connect();
        var closedOnServer = new List<DataChannel>();
        var closedOnClient = new List<DataChannel>();
        loopback.Server.ChannelClosed = closedOnServer.Add;
        loopback.Client.ChannelClosed = closedOnClient.Add;
        var channel = loopback.Client.Open("chat", string.Empty, new DataChannelOptions())!;
        channel.Send("last words");
        channel.Close();
        loopback.Pump(() => closedOnServer.Count == 1 && closedOnClient.Count == 1);

        Assert.Equal("last words", System.Text.Encoding.UTF8.GetString(Assert.Single(loopback.ServerReceived).Message.Data));
        Assert.Equal(DataChannelState.Closed, channel.State);
        Assert.Empty(loopback.Server.Channels);
        Assert.Empty(loopback.Client.Channels);

        // The id can be used again.
        var again = loopback.Client.Open("chat2", string.Empty, new DataChannelOptions())!;
        again.Send("new");
        loopback.Pump(() => loopback.ServerReceived.Count == 2);
        Assert.Equal("chat2", loopback.ServerReceived[1].Label);
    }

    [Fact]
    public void A_forged_cookie_and_garbage_are_dropped_and_counted()
    {
        var loopback = new SctpLoopback();
        var cookie = new byte[68];
        RandomNumberGenerator.Fill(cookie);
        Span<byte> buffer = stackalloc byte[200];
        var writer = new SctpPacketWriter(buffer, 5000, 5000, 1234);
        writer.WriteChunk(SctpChunkType.CookieEcho, 0, cookie);
        loopback.Server.Receive(writer.Finish());
        loopback.Server.Receive([1, 2, 3]);
        var corrupted = writer.Finish().ToArray();
        corrupted[^1] ^= 0xFF;
        loopback.Server.Receive(corrupted);

        Assert.Equal(1, loopback.Server.Association.Stats.BadCookies);
        Assert.Equal(2, loopback.Server.Association.Stats.BadChecksum);
        Assert.Equal(SctpState.Closed, loopback.Server.Association.State);
        loopback.Connect();
    }

    [Fact]
    public void A_full_channel_buffer_drops_and_counts_instead_of_growing()
    {
        var loopback = new SctpLoopback();
        loopback.Connect();
        var channel = loopback.Client.Open("flood", string.Empty, new DataChannelOptions())!;
        var message = new byte[60000];
        var results = new List<DataSendResult>();
        for (var i = 0; i < 40; i++)
        {
            results.Add(channel.Send(message, binary: true));
        }

        Assert.Contains(DataSendResult.BufferFull, results);
        Assert.True(channel.BufferedAmount <= 1024 * 1024);
        Assert.Equal(results.Count(r => r == DataSendResult.BufferFull), channel.Dropped);
    }

    [Fact]
    public void An_init_flood_is_answered_ten_times_a_second_and_the_rest_is_counted()
    {
        var answers = 0;
        var time = new Sluice.Testing.ManualTimeProvider();
        var server = new SctpAssociation(new SctpAssociationOptions(), _ => answers++, time);
        var init = new byte[64];
        var writer = new SctpPacketWriter(init, 5000, 5000, 0);
        writer.WriteInit(SctpChunkType.Init, 0x11223344, 65536, 10, 10, 1, []);
        var packet = writer.Finish().ToArray();
        for (var i = 0; i < 100; i++)
        {
            server.Receive(packet);
        }

        Assert.Equal(10, answers);
        Assert.Equal(90, server.Stats.InitsDropped);
        time.Advance(TimeSpan.FromSeconds(1));
        server.Receive(packet);
        Assert.Equal(11, answers);
    }

    [Fact]
    public void An_expired_cookie_is_refused_and_a_fresh_one_establishes()
    {
        var loopback = new SctpLoopback();
        byte[]? cookieEcho = null;
        loopback.DropToServer = packet =>
        {
            // Hold back the first COOKIE-ECHO to replay it late.
            if (cookieEcho is null && packet.Length > 12 && packet[12] == (byte)SctpChunkType.CookieEcho)
            {
                cookieEcho = packet;
                return true;
            }

            return false;
        };
        loopback.Client.Start();
        loopback.Pump(() => cookieEcho is not null);
        loopback.DropToServer = packet => packet.Length > 12 && packet[12] == (byte)SctpChunkType.CookieEcho;
        loopback.Time.Advance(TimeSpan.FromSeconds(61));
        loopback.Server.Receive(cookieEcho!);

        Assert.Equal(1, loopback.Server.Association.Stats.BadCookies);
        Assert.Equal(SctpState.Closed, loopback.Server.Association.State);
        loopback.DropToServer = null;
        loopback.Pump(() => loopback.Server.IsEstablished && loopback.Client.IsEstablished, maxSeconds: 120);
    }

    [Fact]
    public void A_pre_negotiated_id_is_a_channel_without_dcep_and_other_unopened_ids_are_counted_and_dropped()
    {
        var agreed = new Dictionary<ushort, (string, string, DataChannelOptions)> { [7] = ("telemetry", string.Empty, new DataChannelOptions()) };
        var loopback = new SctpLoopback(serverOptions: new DataChannelEndpointOptions { PreNegotiated = agreed, RemoteMaxMessageSize = 262144 });
        loopback.Connect();

        loopback.Client.Association.Send(7, (uint)DataPpid.String, "t=1"u8);
        loopback.Client.Association.Send(9, (uint)DataPpid.String, "nobody"u8);
        loopback.Pump(() => loopback.ServerReceived.Count == 1 && loopback.Server.UnknownStreamMessages == 1);

        Assert.Equal("telemetry", loopback.ServerReceived[0].Label);
        Assert.Equal("t=1", System.Text.Encoding.UTF8.GetString(loopback.ServerReceived[0].Message.Data));
        var channel = Assert.Single(loopback.Server.Channels);
        Assert.True(channel.Negotiated);
        Assert.Empty(loopback.ServerOpened);
    }

    [Fact]
    public void Paused_delivery_closes_the_window_so_the_sender_waits_and_resuming_delivers_everything_in_order()
    {
        var loopback = new SctpLoopback();
        loopback.Connect();
        var channel = loopback.Client.Open("bulk", string.Empty, new DataChannelOptions())!;
        loopback.Pump(() => loopback.ServerOpened.Count == 1);
        loopback.Server.Association.PauseDelivery();
        var message = new byte[50_000];
        for (var i = 0; i < 60; i++)
        {
            message[0] = (byte)i;
            Assert.Equal(DataSendResult.Sent, channel.Send(message, binary: true, withinLimit: false));
        }

        // Three seconds of simulated time: the sender is held by the closed window, nothing is delivered.
        var until = loopback.Time.GetUtcNow() + TimeSpan.FromSeconds(3);
        loopback.Pump(() => loopback.Time.GetUtcNow() >= until);
        Assert.Empty(loopback.ServerReceived);
        Assert.InRange(channel.BufferedAmount, 60 * 50_000 - (1024 * 1024) - 50_000, 60 * 50_000);
        Assert.Equal(SctpState.Established, loopback.Client.Association.State);

        loopback.Server.Association.ResumeDelivery();
        loopback.Pump(() => loopback.ServerReceived.Count == 60);
        Assert.Equal(Enumerable.Range(0, 60), loopback.ServerReceived.Select(r => (int)r.Message.Data[0]));
    }

    [Fact]
    public void A_peer_opening_on_the_wrong_parity_is_accepted_and_the_other_end_moves_to_the_free_parity()
    {
        // aiortc 1.4 as DTLS client opens odd stream ids (its ICE role decides), which RFC 8832 gives the server.
        var loopback = new SctpLoopback();
        loopback.Connect();
        Span<byte> open = stackalloc byte[Dcep.OpenLength("chat", string.Empty)];
        var length = Dcep.WriteOpen(open, "chat", string.Empty, new DataChannelOptions());
        loopback.Client.Association.Send(1, (uint)DataPpid.Dcep, open[..length]);
        loopback.Pump(() => loopback.ServerOpened.Count == 1);

        Assert.Equal(1, loopback.ServerOpened[0].Id);
        var ours = loopback.Server.Open("x", string.Empty, new DataChannelOptions())!;
        Assert.Equal(0, ours.Id % 2);
    }

    [Fact]
    public void One_lost_packet_in_a_flight_is_fast_retransmitted_without_waiting_for_the_timer()
    {
        var loopback = new SctpLoopback();
        loopback.Connect();
        var channel = loopback.Client.Open("bulk", string.Empty, new DataChannelOptions())!;
        loopback.Pump(() => loopback.ServerOpened.Count == 1);
        var dataPackets = 0;
        loopback.DropToServer = packet => packet.Length > 12 && packet[12] == (byte)SctpChunkType.Data && ++dataPackets == 3;
        channel.Send(new byte[200_000], binary: true);
        loopback.Pump(() => loopback.ServerReceived.Count == 1);

        var stats = loopback.Client.Association.Stats;
        Assert.True(stats.FastRetransmits >= 1, $"fast retransmits {stats.FastRetransmits}, timeouts {stats.Timeouts}");
        Assert.Equal(0, stats.Timeouts);
    }
}
