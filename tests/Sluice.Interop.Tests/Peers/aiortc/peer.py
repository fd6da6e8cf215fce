"""An aiortc peer for Sluice's interop tests.

publish:   a WHIP publisher of a media file (aiortc decodes it with MediaPlayer and encodes VP8 and Opus itself).
subscribe: a WHEP subscriber that decodes every frame it receives (track.recv() returns decoded frames).

Both modes add aiortc's data channel to the offer, as aiortc applications do. The offer is POSTed once ICE
gathering is complete (aiortc does not trickle), the 201 answer's Location names the session, and a DELETE
of it ends the session (RFC 9725). One machine-readable line per second ("second=N key=value ...") and one
per state change let a test await and assert on them.

Connection state: aiortc 1.4 keeps a separate ICE and DTLS transport for a data channel whose m= section the
answer rejects (port 0, outside BUNDLE) and includes it in pc.connectionState, which then stays "connecting"
for ever although media flows. So "state" here is the state of the (bundled) media transport, the one the
audio and video use; the peer connection's own state is printed as peer_state.

Run it with Debian's /usr/bin/python3 (python3-aiortc, python3-aiohttp).
"""

import argparse
import asyncio
import sys
import urllib.parse

import aiohttp
import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from aiortc.mediastreams import MediaStreamError


def loopback_only(use_ipv4, use_ipv6):
    # aioice leaves 127.0.0.1 out of its host candidates; the test network has nothing else.
    return ["127.0.0.1"]


aioice.ice.get_host_addresses = loopback_only


def say(line):
    print(line, flush=True)


def new_peer_connection():
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))

    @pc.on("connectionstatechange")
    def on_connection_state():
        say(f"peer_state={pc.connectionState}")

    @pc.on("iceconnectionstatechange")
    def on_ice_state():
        say(f"ice_state={pc.iceConnectionState}")

    # The data channel aiortc applications open: the offer then carries an m=application section.
    pc.createDataChannel("x")
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
    """Prints the media transport's DTLS state now and at every change; returns the transport."""
    transport = pc.getTransceivers()[0].receiver.transport
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


async def publish(endpoint, media, seconds):
    player = MediaPlayer(media, loop=True)
    pc = new_peer_connection()
    try:
        if player.video:
            pc.addTransceiver(player.video, direction="sendonly")
        if player.audio:
            pc.addTransceiver(player.audio, direction="sendonly")
        async with aiohttp.ClientSession() as http:
            session = await negotiate(pc, http, endpoint)
            media = watch_media_transport(pc)

            async def line(second):
                sent = await outbound_packets(pc)
                return (f"second={second} video_packets_sent={sent['video']} audio_packets_sent={sent['audio']}"
                        f" state={media.state} peer_state={pc.connectionState}")

            await every_second(seconds, line)
            await end_session(http, session)
    finally:
        await pc.close()


async def subscribe(endpoint, seconds):
    pc = new_peer_connection()
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
            last = dict(decoded)

            async def line(second):
                counts = dict(decoded)
                text = (f"second={second} video_frames={counts['video'] - last['video']} audio_frames={counts['audio'] - last['audio']}"
                        f" width={picture['width']} height={picture['height']} state={media.state} peer_state={pc.connectionState}")
                last.update(counts)
                return text

            await every_second(seconds, line)
            await end_session(http, session)
    finally:
        await pc.close()
        for reader in readers:
            reader.cancel()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["publish", "subscribe"], required=True)
    parser.add_argument("--url", required=True, help="the WHIP or WHEP endpoint")
    parser.add_argument("--media", help="publish: a file with VP8/Opus or anything ffmpeg decodes, played in a loop")
    parser.add_argument("--seconds", type=int, default=10, help="how long to run before ending the session")
    args = parser.parse_args()
    try:
        if args.mode == "publish":
            asyncio.run(publish(args.url, args.media, args.seconds))
        else:
            asyncio.run(subscribe(args.url, args.seconds))
    except Exception as error:  # noqa: BLE001 - any failure is reported as one line for the test
        say(f"error={type(error).__name__}: {error}")
        sys.exit(1)
    say("done")


if __name__ == "__main__":
    main()
