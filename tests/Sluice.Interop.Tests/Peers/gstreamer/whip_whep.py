#!/usr/bin/python3
"""GStreamer webrtcbin as a WHIP publisher or a WHEP subscriber, for Sluice's interop tests.

  whip_whep.py publish URL --video vp8|h264 [--data-channel [--label L] [--commands]] [--seconds N]
  whip_whep.py play URL [--video vp8|h264] [--data-channel [--label L] [--commands]] [--seconds N]

Non-trickle: the offer is POSTed once ICE gathering is complete. Every line printed is one event
(state changes, the SDP both ways prefixed "offer| " and "answer| ", and, when playing, one
"stats" line per second with the video frames and audio buffers decoded in that second).
Exit code 0 after --seconds, 1 on any error.

With --data-channel the peer opens a data channel (--label, "chat" by default; webrtcbin's SCTP is
usrsctp). Channels that open, ours or the remote side's, print "data-channel open label=L id=N ...", and every
message received prints a "message" line (Peers/common/datamessages.py). With --commands the peer reads commands
from standard input, one a line:
  burst COUNT SIZES   send COUNT numbered messages on our channel (text and binary alternating, sizes from the
                      comma-separated list), a "sent" line for each, then "burst_done count=N"
  send LABEL text|binary PAYLOAD   send one message on the open channel with that label
Sending waits while the channel buffers more than 256 KiB.

Run with Debian's /usr/bin/python3 (python3-gi and the GStreamer typelibs come with Debian's packages).
"""

import argparse
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import datamessages  # noqa: E402

BUFFER_LIMIT = 256 * 1024

def say(*parts):
    print(*parts, flush=True)


class Peer:
    def __init__(self, args):
        self.args = args
        self.loop = GLib.MainLoop()
        self.exit_code = 0
        self.resource = None
        self.offer_sent = False
        self.video_frames = 0
        self.audio_buffers = 0
        self.elapsed = 0
        self.pipeline = Gst.Pipeline.new("peer")
        self.webrtc = Gst.ElementFactory.make("webrtcbin", "webrtc")
        policies = {"none": GstWebRTC.WebRTCBundlePolicy.NONE, "max-bundle": GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE}
        self.webrtc.set_property("bundle-policy", policies[args.bundle_policy])
        self.pipeline.add(self.webrtc)
        # libnice would try UPnP port mappings (slow, and pointless on loopback). The agent objects are kept
        # referenced here: a reference-count bug in 1.22 frees them under Python otherwise.
        self.ice = self.webrtc.get_property("ice-agent")
        self.nice = self.ice.get_property("agent")
        self.nice.set_property("upnp", False)
        self.webrtc.connect("on-negotiation-needed", self.on_negotiation_needed)
        self.webrtc.connect("notify::ice-gathering-state", self.on_gathering_state)
        self.webrtc.connect("notify::ice-connection-state", self.on_state, "ice-connection-state")
        self.webrtc.connect("notify::connection-state", self.on_state, "connection-state")
        self.webrtc.connect("pad-added", self.on_webrtc_pad)
        self.webrtc.connect("on-data-channel", lambda _w, channel: self.watch_channel(channel, "remote"))
        self.channels = {}  # open data channels by label
        self.outbox = []  # (label, payload, seq or None) waiting to be sent, in order
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message::error", self.on_error)
        bus.connect("message::warning", self.on_warning)

    # --- building -------------------------------------------------------------------------------

    def add_branch(self, description):
        branch = Gst.parse_bin_from_description(description, True)
        self.pipeline.add(branch)
        if not branch.link(self.webrtc):
            raise RuntimeError("cannot link to webrtcbin: " + description)

    def build_publisher(self):
        a = self.args
        raw = "videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=360,framerate=30/1 ! videoconvert"
        if a.video == "vp8":
            video = (f"{raw} ! vp8enc deadline=1 keyframe-max-dist=30 target-bitrate=800000 ! rtpvp8pay pt={a.video_pt}"
                     f" ! capsfilter caps=\"application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload={a.video_pt}\"")
        else:
            video = (f"{raw} ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 bitrate=800"
                     f" ! video/x-h264,profile=constrained-baseline ! rtph264pay config-interval=-1 pt={a.video_pt}"
                     f" ! capsfilter caps=\"application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload={a.video_pt}\"")
        audio = (f"audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! opusenc ! rtpopuspay pt={a.audio_pt}"
                 f" ! capsfilter caps=\"application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload={a.audio_pt}\"")
        self.add_branch(video)
        self.add_branch(audio)

    def build_player(self):
        a = self.args
        recv = GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY
        if a.video == "vp8":
            video = Gst.Caps.from_string(f"application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload={a.video_pt}")
        else:
            video = Gst.Caps.from_string(
                f"application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload={a.video_pt},"
                "packetization-mode=(string)1,profile-level-id=(string)42e01f,level-asymmetry-allowed=(string)1")
        audio = Gst.Caps.from_string(
            f"application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,encoding-params=(string)2,payload={a.audio_pt}")
        self.webrtc.emit("add-transceiver", recv, video)
        self.webrtc.emit("add-transceiver", recv, audio)
        GLib.timeout_add_seconds(1, self.on_second)

    # --- negotiation ----------------------------------------------------------------------------

    def on_negotiation_needed(self, _webrtc):
        if self.offer_sent:
            return
        self.offer_sent = True
        if self.args.data_channel:
            channel = self.webrtc.emit("create-data-channel", self.args.label, None)
            say("data-channel", "created" if channel else "NOT created")
            self.channel = channel
            if channel:
                self.watch_channel(channel, "local")
        promise = Gst.Promise.new_with_change_func(self.on_offer_created)
        self.webrtc.emit("create-offer", None, promise)

    def on_offer_created(self, promise):
        promise.wait()
        reply = promise.get_reply()
        offer = reply.get_value("offer")
        self.webrtc.emit("set-local-description", offer, Gst.Promise.new())
        say("offer created; gathering")

    def on_gathering_state(self, webrtc, _pspec):
        state = webrtc.get_property("ice-gathering-state")
        say("ice-gathering-state", state.value_nick)
        if state == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            GLib.idle_add(self.post_offer)

    def post_offer(self):
        offer = self.webrtc.get_property("local-description").sdp.as_text()
        for line in offer.splitlines():
            say("offer|", line)
        request = urllib.request.Request(self.args.url, data=offer.encode(), method="POST",
                                         headers={"Content-Type": "application/sdp"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = response.read().decode()
                self.resource = urllib.parse.urljoin(self.args.url, response.headers["Location"])
                say("http", response.status, "location", self.resource)
        except urllib.error.HTTPError as e:
            say("http", e.code, e.read().decode(errors="replace"))
            self.fail("offer refused")
            return False
        except OSError as e:
            self.fail(f"POST failed: {e}")
            return False
        for line in answer.splitlines():
            say("answer|", line)
        ok, sdp = GstSdp.SDPMessage.new_from_text(answer)
        if ok != GstSdp.SDPResult.OK:
            self.fail("cannot parse the answer")
            return False
        description = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, sdp)
        promise = Gst.Promise.new_with_change_func(self.on_answer_set)
        self.webrtc.emit("set-remote-description", description, promise)
        return False

    def on_answer_set(self, promise):
        promise.wait()
        reply = promise.get_reply()
        if reply is not None and reply.has_field("error"):
            self.fail(f"set-remote-description: {reply.get_value('error')}")
        else:
            say("answer set")

    def on_state(self, webrtc, _pspec, name):
        say(name, webrtc.get_property(name).value_nick)

    # --- data channels --------------------------------------------------------------------------

    def watch_channel(self, channel, by):
        def on_open(c):
            label = c.get_property("label")
            self.channels[label] = c
            say(f"data-channel open label={label} id={c.get_property('id')} by={by} ordered={c.get_property('ordered')}"
                f" protocol={c.get_property('protocol') or '(none)'} max_retransmits={c.get_property('max-retransmits')}")

        channel.connect("on-open", on_open)
        channel.connect("on-close", lambda c: say(f"data-channel closed label={c.get_property('label')}"))
        channel.connect("on-error", lambda c, error: say(f"data-channel error label={c.get_property('label')} {error}"))
        channel.connect("on-message-string", lambda c, text: say(
            "message " + datamessages.describe(c.get_property("label"), text if text is not None else "")))
        channel.connect("on-message-data", lambda c, data: say(
            "message " + datamessages.describe(c.get_property("label"), bytes(data.get_data()) if data is not None else b"")))
        if channel.get_property("ready-state") == GstWebRTC.WebRTCDataChannelState.OPEN:
            on_open(channel)

    def on_command(self, source, _condition):
        line = source.readline()
        if not line:
            return False
        words = line.split()
        if words[:1] == ["burst"] and len(words) == 3:
            sizes = datamessages.sizes(words[2])
            for seq in range(int(words[1])):
                self.outbox.append((self.args.label, datamessages.make(seq, sizes[seq % len(sizes)])[1], seq))
            self.outbox.append((None, int(words[1]), None))
        elif words[:1] == ["send"] and len(words) == 4 and words[2] in ("text", "binary"):
            self.outbox.append((words[1], words[3] if words[2] == "text" else words[3].encode(), None))
        else:
            say(f"command_error unknown command {line.strip()!r}")
        if len(self.outbox) > 0:
            GLib.idle_add(self.send_pending)
        return True

    def send_pending(self):
        """Sends what waits in order while the channel's buffer is below the limit; runs again in 5 ms if it is not empty."""
        while self.outbox:
            label, payload, seq = self.outbox[0]
            if label is None:
                self.outbox.pop(0)
                say(f"burst_done count={payload}")
                continue
            channel = self.channels.get(label)
            if channel is None:
                self.outbox.pop(0)
                say(f"command_error no open data channel labelled {label!r} (open: {sorted(self.channels)})")
                continue
            if channel.get_property("buffered-amount") > BUFFER_LIMIT:
                GLib.timeout_add(5, self.send_pending)
                return False
            self.outbox.pop(0)
            try:
                if isinstance(payload, str):
                    channel.send_string_full(payload)
                else:
                    channel.send_data_full(GLib.Bytes.new(payload))
            except GLib.Error as error:
                say(f"command_error send on {label}: {error.message}")
                continue
            say(("sent " if seq is None else f"sent seq={seq} ") + datamessages.describe(label, payload))
        return False

    # --- receiving ------------------------------------------------------------------------------

    def on_webrtc_pad(self, _webrtc, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        say("incoming", pad.get_name(), pad.get_current_caps().to_string() if pad.get_current_caps() else "")
        decodebin = Gst.ElementFactory.make("decodebin")
        decodebin.connect("pad-added", self.on_decoded_pad)
        self.pipeline.add(decodebin)
        decodebin.sync_state_with_parent()
        pad.link(decodebin.get_static_pad("sink"))

    def on_decoded_pad(self, _decodebin, pad):
        caps = pad.get_current_caps() or pad.query_caps(None)
        name = caps.get_structure(0).get_name()
        say("decoded", name)
        if name.startswith("video/"):
            sink = Gst.parse_bin_from_description("queue ! fakesink sync=false name=vsink", True)
            counter = self.count_video
        elif name.startswith("audio/"):
            sink = Gst.parse_bin_from_description("queue ! fakesink sync=false", True)
            counter = self.count_audio
        else:
            return
        self.pipeline.add(sink)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad("sink"))
        pad.add_probe(Gst.PadProbeType.BUFFER, counter)

    def count_video(self, _pad, _info):
        self.video_frames += 1
        return Gst.PadProbeReturn.OK

    def count_audio(self, _pad, _info):
        self.audio_buffers += 1
        return Gst.PadProbeReturn.OK

    def on_second(self):
        self.elapsed += 1
        say(f"stats second={self.elapsed} video_frames={self.video_frames} audio_buffers={self.audio_buffers}")
        self.video_frames = 0
        self.audio_buffers = 0
        return True

    # --- life -----------------------------------------------------------------------------------

    def on_error(self, _bus, message):
        error, debug = message.parse_error()
        self.fail(f"{message.src.get_name()}: {error.message} ({debug})")

    def on_warning(self, _bus, message):
        warning, debug = message.parse_warning()
        say("warning", message.src.get_name(), warning.message, debug)

    def fail(self, why):
        say("error", why)
        self.exit_code = 1
        self.loop.quit()

    def finish(self):
        say("done")
        self.loop.quit()
        return False

    def delete_resource(self):
        if not self.resource:
            return
        try:
            urllib.request.urlopen(urllib.request.Request(self.resource, method="DELETE"), timeout=5).close()
            say("deleted", self.resource)
        except OSError as e:
            say("delete failed", e)

    def run(self):
        if self.args.mode == "publish":
            self.build_publisher()
        else:
            self.build_player()
        if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            say("error cannot start the pipeline")
            return 1
        GLib.timeout_add_seconds(self.args.seconds, self.finish)
        if self.args.commands:
            GLib.io_add_watch(sys.stdin, GLib.PRIORITY_DEFAULT, GLib.IO_IN | GLib.IO_HUP, self.on_command)
        self.loop.run()
        self.delete_resource()
        self.pipeline.set_state(Gst.State.NULL)
        return self.exit_code


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["publish", "play"])
    parser.add_argument("url")
    parser.add_argument("--video", choices=["vp8", "h264"], default="vp8")
    parser.add_argument("--data-channel", action="store_true", help="open a data channel (its m=application section is in the offer)")
    parser.add_argument("--label", default="chat", help="the data channel's label")
    parser.add_argument("--commands", action="store_true", help="read burst/send commands from standard input")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--bundle-policy", choices=["none", "max-bundle"], default="max-bundle",
                        help="webrtcbin's default is none: one transport per m-section and no BUNDLE group")
    parser.add_argument("--video-pt", type=int, default=96, help="the video payload type offered")
    parser.add_argument("--audio-pt", type=int, default=111, help="the audio payload type offered")
    args = parser.parse_args()
    Gst.init(None)
    say("gstreamer", Gst.version_string(), args.mode, args.url)
    sys.exit(Peer(args).run())


if __name__ == "__main__":
    main()
