"""An aiortc peer for Sluice's interop tests.

publish:   a WHIP publisher of a media file (aiortc decodes it with MediaPlayer and encodes VP8 and Opus itself);
           without --media, data channels only.
subscribe: a WHEP subscriber that decodes every frame it receives (track.recv() returns decoded frames); with
           --no-media, data channels only.
serve:     a WHEP server (another server a Sluice node cascades from): POST /whep/{stream} with an offer is answered
           (201, Location /session/{id}) by a peer connection sending the --media file (VP8/Opus, encoded by aiortc),
           and DELETE of the session closes it. Prints "listening port=N", then "served session=ID" and
           "serve_state session=ID state=S" per session, "deleted session=ID", and per second the packets sent.

Both modes open a data channel (--label, "chat" by default), as aiortc applications do: the offer then carries
aiortc's m=application section in its pre-RFC form (DTLS/SCTP 5000 with a=sctpmap). The offer is POSTed once
ICE gathering is complete (aiortc does not trickle), the 201 answer's Location names the session, and a DELETE
of it ends the session (RFC 9725). One machine-readable line per second ("second=N key=value ...") and one
per state change let a test await and assert on them.

Data channels: every channel that opens, ours or one the remote side opened (the "datachannel" event), prints
"channel_open label=L id=N by=local|remote ...", and every message received on any channel prints a "message"
line (Peers/common/datamessages.py: label, type, length, digest). With --commands the peer reads commands from
standard input, one a line:
  burst COUNT SIZES   send COUNT numbered messages on our channel (text and binary alternating, sizes from the
                      comma-separated list), printing a "sent" line for each, then "burst_done count=N"
  send LABEL text|binary PAYLOAD   send one message on the open channel with that label
Sending waits while the channel buffers more than 256 KiB.

Stream ids: aiortc 1.4 takes its SCTP role from its ICE role, and as the ICE controlling side (always, against
an ICE-lite server) opens its channels on odd stream ids, although it is the DTLS client, which RFC 8832 §6 gives
the even ones. --rfc8832-stream-ids makes it pick them by its DTLS role instead (the fix proposed upstream in
aiortc pull request 1432), for tests of everything else with an RFC-conforming aiortc.

"media_state" is the state of the bundled DTLS transport (the media's, or the data channel's without media);
the peer connection's own state is printed as peer_state.

Run it with Debian's /usr/bin/python3 (python3-aiortc, python3-aiohttp).
"""

import argparse
import asyncio
import logging
import os
import sys
import urllib.parse

import aiohttp
import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSctpTransport, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from aiortc.mediastreams import MediaStreamError

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import datamessages  # noqa: E402


def loopback_only(use_ipv4, use_ipv6):
    # aioice leaves 127.0.0.1 out of its host candidates; the test network has nothing else.
    return ["127.0.0.1"]


aioice.ice.get_host_addresses = loopback_only

ARGS = None  # the command line, set by main()


def pick_stream_ids_by_dtls_role():
    """Even stream ids for the DTLS client, odd for the server (RFC 8832 §6), instead of aiortc 1.4's ICE-role choice."""
    start = RTCSctpTransport.start

    async def start_by_dtls_role(self, remoteCaps, remotePort):
        await start(self, remoteCaps, remotePort)
        self._data_channel_id = 0 if self.transport._role == "client" else 1

    RTCSctpTransport.start = start_by_dtls_role


def say(line):
    print(line, flush=True)


class Channels:
    """The peer's open data channels by label, printing what opens, closes and arrives."""

    def __init__(self):
        self.by_label = {}
        self.all = []

    def summary(self):
        """Every channel as label:id:state (the id is assigned once SCTP is up), for the per-second lines."""
        return ",".join(f"{c.label}:{c.id}:{c.readyState}" for c in self.all) or "none"

    def watch(self, channel, by):
        self.all.append(channel)

        def on_open():
            self.by_label[channel.label] = channel
            say(f"channel_open label={channel.label} id={channel.id} by={by} ordered={channel.ordered}"
                f" protocol={channel.protocol or '(none)'} max_retransmits={channel.maxRetransmits}"
                f" max_packet_lifetime={channel.maxPacketLifeTime}")

        @channel.on("close")
        def on_close():
            say(f"channel_closed label={channel.label} id={channel.id}")

        @channel.on("message")
        def on_message(payload):
            say("message " + datamessages.describe(channel.label, payload))

        if channel.readyState == "open":
            on_open()
        else:
            channel.on("open", on_open)

    async def send(self, label, payload):
        channel = self.by_label.get(label)
        if channel is None or channel.readyState != "open":
            raise RuntimeError(f"no open data channel labelled {label!r} (open: {sorted(self.by_label)})")
        while channel.bufferedAmount > 256 * 1024:
            await asyncio.sleep(0.005)
        channel.send(payload)

    async def burst(self, label, count, sizes):
        for seq in range(count):
            _, payload = datamessages.make(seq, sizes[seq % len(sizes)])
            await self.send(label, payload)
            say(f"sent seq={seq} " + datamessages.describe(label, payload))
        say(f"burst_done count={count}")


async def run_commands(channels):
    """Reads commands from standard input until it closes (see the module's doc)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode():
        words = line.split()
        try:
            if words[:1] == ["burst"] and len(words) == 3:
                await channels.burst(ARGS.label, int(words[1]), datamessages.sizes(words[2]))
            elif words[:1] == ["send"] and len(words) == 4 and words[2] in ("text", "binary"):
                payload = words[3] if words[2] == "text" else words[3].encode()
                await channels.send(words[1], payload)
                say("sent " + datamessages.describe(words[1], payload))
            else:
                say(f"command_error unknown command {line.strip()!r}")
        except Exception as error:  # noqa: BLE001 - reported for the test, the peer goes on
            say(f"command_error {type(error).__name__}: {error}")


def new_peer_connection(channels):
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))

    @pc.on("connectionstatechange")
    def on_connection_state():
        say(f"peer_state={pc.connectionState}")

    @pc.on("iceconnectionstatechange")
    def on_ice_state():
        say(f"ice_state={pc.iceConnectionState}")

    @pc.on("datachannel")
    def on_datachannel(channel):
        channels.watch(channel, "remote")

    # The data channel aiortc applications open: the offer then carries an m=application section.
    channels.watch(pc.createDataChannel(ARGS.label), "local")
    return pc


async def negotiate(pc, http, endpoint):
    """POSTs the complete offer and applies the answer; returns the session's URL."""
    await pc.setLocalDescription(await pc.createOffer())  # returns once gathering is complete
    async with http.post(endpoint, data=pc.localDescription.sdp, headers={"Content-Type": "application/sdp"}) as response:
        body = await response.text()
        if response.status != 201:
            raise RuntimeError(f"POST {endpoint}: {response.status}: {body}")
        location = response.headers.get("Location")
        if not location:
            raise RuntimeError(f"POST {endpoint}: 201 without a Location")
    session = urllib.parse.urljoin(endpoint, location)
    say(f"session={session}")
    try:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=body, type="answer"))
    except Exception:
        await end_session(http, session)  # the node made a session for an answer we cannot use
        raise
    return session


def watch_media_transport(pc):
    """Prints the bundled DTLS transport's state now and at every change; returns the transport."""
    transceivers = pc.getTransceivers()
    transport = transceivers[0].receiver.transport if transceivers else pc.sctp.transport
    say(f"media_state={transport.state}")

    @transport.on("statechange")
    def on_state():
        say(f"media_state={transport.state}")

    return transport


async def end_session(http, session):
    async with http.delete(session) as response:
        say(f"deleted={response.status}")
        if response.status // 100 != 2:
            raise RuntimeError(f"DELETE {session}: {response.status}")


async def every_second(seconds, line):
    loop = asyncio.get_running_loop()
    start = loop.time()
    for second in range(1, seconds + 1):
        await asyncio.sleep(max(0.0, start + second - loop.time()))
        say(await line(second))


async def outbound_packets(pc):
    counts = {"audio": 0, "video": 0}
    for stats in (await pc.getStats()).values():
        if stats.type == "outbound-rtp":
            counts[stats.kind] += stats.packetsSent
    return counts


def start_commands(channels):
    return asyncio.ensure_future(run_commands(channels)) if ARGS.commands else None


async def publish(endpoint, media, seconds):
    player = MediaPlayer(media, loop=True) if media else None
    channels = Channels()
    pc = new_peer_connection(channels)
    commands = None
    try:
        if player and player.video:
            pc.addTransceiver(player.video, direction="sendonly")
        if player and player.audio:
            pc.addTransceiver(player.audio, direction="sendonly")
        async with aiohttp.ClientSession() as http:
            session = await negotiate(pc, http, endpoint)
            media = watch_media_transport(pc)
            commands = start_commands(channels)

            async def line(second):
                sent = await outbound_packets(pc)
                return (f"second={second} video_packets_sent={sent['video']} audio_packets_sent={sent['audio']}"
                        f" state={media.state} peer_state={pc.connectionState} sctp={pc.sctp.state if pc.sctp else None}"
                        f" channels={channels.summary()}")

            await every_second(seconds, line)
            await end_session(http, session)
    finally:
        if commands:
            commands.cancel()
        await pc.close()


async def subscribe(endpoint, seconds):
    channels = Channels()
    pc = new_peer_connection(channels)
    commands = None
    if not ARGS.no_media:
        pc.addTransceiver("video", direction="recvonly")
        pc.addTransceiver("audio", direction="recvonly")
    decoded = {"audio": 0, "video": 0}
    picture = {"width": 0, "height": 0}
    readers = []

    async def consume(track):
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            decoded[track.kind] += 1
            if track.kind == "video":
                picture["width"], picture["height"] = frame.width, frame.height

    @pc.on("track")
    def on_track(track):
        say(f"track={track.kind}")
        readers.append(asyncio.ensure_future(consume(track)))

    try:
        async with aiohttp.ClientSession() as http:
            session = await negotiate(pc, http, endpoint)
            media = watch_media_transport(pc)
            commands = start_commands(channels)
            last = dict(decoded)

            async def line(second):
                counts = dict(decoded)
                text = (f"second={second} video_frames={counts['video'] - last['video']} audio_frames={counts['audio'] - last['audio']}"
                        f" width={picture['width']} height={picture['height']} state={media.state} peer_state={pc.connectionState}"
                        f" sctp={pc.sctp.state if pc.sctp else None} channels={channels.summary()}")
                last.update(counts)
                return text

            await every_second(seconds, line)
            await end_session(http, session)
    finally:
        if commands:
            commands.cancel()
        await pc.close()
        for reader in readers:
            reader.cancel()


async def serve(media, seconds):
    from aiohttp import web

    sessions = {}

    async def offer(request):
        if request.content_type != "application/sdp":
            return web.Response(status=415, text="expected application/sdp")
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        session = os.urandom(6).hex()
        sessions[session] = pc

        @pc.on("connectionstatechange")
        def on_state():
            say(f"serve_state session={session} state={pc.connectionState}")

        # Each session plays the file from its start, as its own source.
        player = MediaPlayer(media, loop=True)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=await request.text(), type="offer"))
        for transceiver in pc.getTransceivers():
            track = player.video if transceiver.kind == "video" else player.audio
            if track is not None:
                transceiver.sender.replaceTrack(track)
                transceiver.direction = "sendonly"
        await pc.setLocalDescription(await pc.createAnswer())  # returns once gathering is complete
        say(f"served session={session}")
        return web.Response(status=201, text=pc.localDescription.sdp, content_type="application/sdp",
                            headers={"Location": f"/session/{session}"})

    async def delete(request):
        pc = sessions.pop(request.match_info["session"], None)
        if pc is None:
            return web.Response(status=404, text="no such session")
        await pc.close()
        say(f"deleted session={request.match_info['session']}")
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/whep/{stream}", offer)
    app.router.add_delete("/session/{session}", delete)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    say(f"listening port={site._server.sockets[0].getsockname()[1]}")

    async def line(second):
        sent = {"audio": 0, "video": 0}
        for pc in list(sessions.values()):
            counts = await outbound_packets(pc)
            sent["audio"] += counts["audio"]
            sent["video"] += counts["video"]
        return f"second={second} sessions={len(sessions)} video_packets_sent={sent['video']} audio_packets_sent={sent['audio']}"

    try:
        await every_second(seconds, line)
    finally:
        for pc in sessions.values():
            await pc.close()
        await runner.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["publish", "subscribe", "serve"], required=True)
    parser.add_argument("--url", help="the WHIP or WHEP endpoint (publish, subscribe)")
    parser.add_argument("--media", help="publish: a file with VP8/Opus or anything ffmpeg decodes, played in a loop (none: data only)")
    parser.add_argument("--no-media", action="store_true", help="subscribe: data channels only, no audio or video")
    parser.add_argument("--label", default="chat", help="the label of the data channel this peer opens")
    parser.add_argument("--commands", action="store_true", help="read burst/send commands from standard input")
    parser.add_argument("--seconds", type=int, default=10, help="how long to run before ending the session")
    parser.add_argument("--rfc8832-stream-ids", action="store_true", help="pick data channel stream ids by the DTLS role (see above)")
    global ARGS
    args = ARGS = parser.parse_args()
    # aiortc's warnings (an exception that ends its DTLS transport is one) into the output the test shows.
    logging.basicConfig(level=logging.WARNING, stream=sys.stdout, format="log %(levelname)s %(name)s: %(message)s")
    if args.rfc8832_stream_ids:
        pick_stream_ids_by_dtls_role()
    try:
        if args.mode == "publish":
            asyncio.run(publish(args.url, args.media, args.seconds))
        elif args.mode == "serve":
            asyncio.run(serve(args.media, args.seconds))
        else:
            asyncio.run(subscribe(args.url, args.seconds))
    except Exception as error:  # noqa: BLE001 - any failure is reported as one line for the test
        say(f"error={type(error).__name__}: {error}")
        sys.exit(1)
    say("done")


if __name__ == "__main__":
    main()
