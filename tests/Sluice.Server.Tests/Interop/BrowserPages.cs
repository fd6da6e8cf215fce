namespace Sluice.Server.Tests.Interop;

/// <summary>The JavaScript our browser tests run: a WHIP publisher and a WHEP player, as a user's page would be.</summary>
internal static class BrowserPages
{
    public const string Html = """
        <!doctype html>
        <title>sluice test</title>
        <video id="v" autoplay muted playsinline></video>
        <script>
        async function post(url, pc) {
          await pc.setLocalDescription(await pc.createOffer());
          const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
          const text = await res.text();
          if (res.status !== 201) throw new Error(res.status + ' ' + text);
          window.sessionUrl = res.headers.get('Location');
          await pc.setRemoteDescription({ type: 'answer', sdp: text });
        }
        function prefer(transceiver, kind, codec) {
          const all = RTCRtpSender.getCapabilities(kind).codecs;
          const wanted = all.filter(c => c.mimeType.toLowerCase() === kind + '/' + codec.toLowerCase());
          if (wanted.length === 0) throw new Error('this browser cannot send ' + codec);
          transceiver.setCodecPreferences([...wanted, ...all.filter(c => !wanted.includes(c))]);
        }
        window.publish = async (url, codec, audioCodec) => {
          const media = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360, frameRate: 30 }, audio: true });
          const pc = window.pc = new RTCPeerConnection();
          const video = pc.addTransceiver(media.getVideoTracks()[0], { direction: 'sendonly', streams: [media] });
          const audio = pc.addTransceiver(media.getAudioTracks()[0], { direction: 'sendonly', streams: [media] });
          if (codec) prefer(video, 'video', codec);
          if (audioCodec) prefer(audio, 'audio', audioCodec);
          await post(url, pc);
        };
        window.play = async (url) => {
          const pc = window.pc = new RTCPeerConnection();
          pc.addTransceiver('video', { direction: 'recvonly' });
          pc.addTransceiver('audio', { direction: 'recvonly' });
          pc.ontrack = e => { const v = document.getElementById('v'); v.srcObject = v.srcObject || new MediaStream(); v.srcObject.addTrack(e.track); };
          await post(url, pc);
        };
        window.stop = async () => {
          window.pc.close();
          if (window.sessionUrl) await fetch(window.sessionUrl, { method: 'DELETE' });
        };
        window.inbound = async () => {
          const stats = await window.pc.getStats();
          const codecs = {};
          stats.forEach(s => { if (s.type === 'codec') codecs[s.id] = s.mimeType; });
          const out = {};
          stats.forEach(s => {
            if (s.type === 'inbound-rtp') out[s.kind] = {
              packetsReceived: s.packetsReceived || 0, packetsLost: s.packetsLost || 0, framesDecoded: s.framesDecoded || 0,
              nackCount: s.nackCount || 0, pliCount: s.pliCount || 0, mimeType: codecs[s.codecId] || '' };
          });
          return JSON.stringify(out);
        };
        window.outbound = async () => {
          const stats = await window.pc.getStats();
          const codecs = {};
          stats.forEach(s => { if (s.type === 'codec') codecs[s.id] = s.mimeType; });
          const out = {};
          stats.forEach(s => { if (s.type === 'outbound-rtp') out[s.kind] = { packetsSent: s.packetsSent || 0, mimeType: codecs[s.codecId] || '' }; });
          return JSON.stringify(out);
        };
        </script>
        """;

    /// <summary>
    /// <c>window.publish(url, audio, codec, encodings)</c>: simulcast over WHIP in <c>codec</c> (VP8 unless given), q, h
    /// and f (a quarter, half and all of a 1280x720 camera, at most 150, 500 and 1500 kbit/s) unless <c>encodings</c>
    /// says otherwise (their <c>scalabilityMode</c>s are checked), with the microphone when <c>audio</c>; each layer keeps its resolution (the encoder drops frames instead), so a player's frame width
    /// tells the layer it gets.
    /// </summary>
    public const string SimulcastPublishJs = """
        window.publish = async (url, audio, codec, encodings) => {
          const mime = 'video/' + (codec || 'VP8');
          const media = await navigator.mediaDevices.getUserMedia({ audio: !!audio, video: { width: 1280, height: 720, frameRate: 30 } });
          const pc = window.pub = new RTCPeerConnection();
          if (audio) pc.addTransceiver(media.getAudioTracks()[0], { direction: 'sendonly', streams: [media] });
          const video = pc.addTransceiver(media.getVideoTracks()[0], { direction: 'sendonly', streams: [media], sendEncodings: encodings || [
            { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150000 },
            { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500000 },
            { rid: 'f', maxBitrate: 1500000 } ] });
          const parameters = video.sender.getParameters();
          parameters.degradationPreference = 'maintain-resolution';
          await video.sender.setParameters(parameters);
          const codecs = RTCRtpSender.getCapabilities('video').codecs;
          if (!codecs.some(c => c.mimeType === mime)) throw new Error('this browser cannot send ' + mime);
          video.setCodecPreferences([...codecs.filter(c => c.mimeType === mime), ...codecs.filter(c => c.mimeType !== mime)]);
          await pc.setLocalDescription(await pc.createOffer());
          const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
          const text = await res.text();
          if (res.status !== 201) throw new Error(res.status + ' ' + text);
          await pc.setRemoteDescription({ type: 'answer', sdp: text });
          video.sender.getParameters().encodings.forEach((e, i) => {
            const wanted = (encodings || [])[i]?.scalabilityMode;
            if (wanted && e.scalabilityMode !== wanted) throw new Error('the sender took ' + e.scalabilityMode + ' instead of ' + wanted);
          });
        };
        """;

    /// <summary>
    /// <c>window.play(url, host, port)</c>: a WHEP player (audio and video) whose answer's candidates point at
    /// <c>host:port</c> (a <see cref="Sluice.Testing.RateLimitedUdpRelay"/>: needs its <c>CandidateRewriteJs</c> on the
    /// page), and <c>window.stats()</c>: what it decoded, froze and lost (getStats' inbound-rtp).
    /// </summary>
    public const string ThinPlayerJs = """
        // The player's answer is pointed at the relay: every packet between it and the node crosses the thin link.
        window.play = async (url, host, port) => {
          const pc = window.sub = new RTCPeerConnection();
          pc.addTransceiver('audio', { direction: 'recvonly' });
          pc.addTransceiver('video', { direction: 'recvonly' });
          await pc.setLocalDescription(await pc.createOffer());
          const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
          const text = await res.text();
          if (res.status !== 201) throw new Error(res.status + ' ' + text);
          await pc.setRemoteDescription({ type: 'answer', sdp: pointCandidatesAt(text, host, port) });
        };
        window.stats = async () => {
          const out = { width: 0, decoded: 0, freezes: 0, frozen: 0, videoLost: 0, videoPackets: 0, audioPackets: 0, audioLost: 0 };
          (await window.sub.getStats()).forEach(r => {
            if (r.type !== 'inbound-rtp') return;
            if (r.kind === 'video') {
              out.width = r.frameWidth || 0; out.decoded = r.framesDecoded || 0;
              out.freezes = r.freezeCount || 0; out.frozen = r.totalFreezesDuration || 0;
              out.videoLost = r.packetsLost || 0; out.videoPackets = r.packetsReceived || 0;
            } else if (r.kind === 'audio') {
              out.audioPackets = r.packetsReceived || 0; out.audioLost = r.packetsLost || 0;
            }
          });
          return out;
        };
        """;
}
