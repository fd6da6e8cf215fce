// Command pionpeer is a Pion WebRTC peer for Sluice's interop tests: a WHIP publisher of an IVF (VP8)
// file and an Ogg/Opus file, or a WHEP subscriber that counts what it receives. It prints one
// machine-readable line per second ("second=N key=value ...") and one line per state change, so that a
// test can await and assert on them.
//
// WHIP and WHEP (RFC 9725): the offer is POSTed once ICE gathering is complete (no trickle), the 201
// answer's Location names the session, and a DELETE of it ends the session.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pion/ice/v2"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v3"
	"github.com/pion/webrtc/v3/pkg/media"
	"github.com/pion/webrtc/v3/pkg/media/ivfreader"
	"github.com/pion/webrtc/v3/pkg/media/oggreader"
)

func main() {
	mode := flag.String("mode", "", "publish (WHIP) or subscribe (WHEP)")
	endpoint := flag.String("url", "", "the WHIP or WHEP endpoint")
	video := flag.String("video", "", "publish: an IVF file with VP8 frames, sent in a loop")
	audio := flag.String("audio", "", "publish: an Ogg/Opus file with one packet per page, sent in a loop")
	seconds := flag.Int("seconds", 10, "how long to run before ending the session")
	flag.Parse()

	var err error
	switch *mode {
	case "publish":
		err = publish(*endpoint, *video, *audio, *seconds)
	case "subscribe":
		err = subscribe(*endpoint, *seconds)
	default:
		err = fmt.Errorf("unknown -mode %q (publish or subscribe)", *mode)
	}

	if err != nil {
		fmt.Printf("error=%q\n", err.Error())
		os.Exit(1)
	}
	fmt.Println("done")
}

// newPeerConnection makes a peer connection that can work on loopback only: Pion leaves out loopback
// candidates and uses mDNS names by default, neither of which the test node can use.
func newPeerConnection() (*webrtc.PeerConnection, error) {
	mediaEngine := &webrtc.MediaEngine{}
	if err := mediaEngine.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	registry := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(mediaEngine, registry); err != nil {
		return nil, err
	}

	settings := webrtc.SettingEngine{}
	settings.SetIncludeLoopbackCandidate(true)
	settings.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	settings.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})

	api := webrtc.NewAPI(webrtc.WithMediaEngine(mediaEngine), webrtc.WithInterceptorRegistry(registry), webrtc.WithSettingEngine(settings))
	return api.NewPeerConnection(webrtc.Configuration{})
}

// watchStates prints every ICE and peer-connection state change and keeps the latest one for the
// per-second lines.
func watchStates(pc *webrtc.PeerConnection, state *atomic.Value) {
	state.Store(webrtc.PeerConnectionStateNew.String())
	pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		fmt.Printf("ice_state=%s\n", s)
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		state.Store(s.String())
		fmt.Printf("pc_state=%s\n", s)
	})
}

// negotiate sends the complete offer to the endpoint and applies the answer; it returns the session URL.
func negotiate(pc *webrtc.PeerConnection, endpoint string) (string, error) {
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return "", err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err = pc.SetLocalDescription(offer); err != nil {
		return "", err
	}
	<-gathered

	response, err := http.Post(endpoint, "application/sdp", bytes.NewBufferString(pc.LocalDescription().SDP))
	if err != nil {
		return "", err
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil {
		return "", err
	}
	if response.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("POST %s: %s: %s", endpoint, response.Status, body)
	}

	base, err := url.Parse(endpoint)
	if err != nil {
		return "", err
	}
	location, err := base.Parse(response.Header.Get("Location"))
	if err != nil || response.Header.Get("Location") == "" {
		return "", fmt.Errorf("POST %s: 201 without a usable Location (%q)", endpoint, response.Header.Get("Location"))
	}
	fmt.Printf("session=%s\n", location)

	if err = pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(body)}); err != nil {
		return "", fmt.Errorf("the answer was refused: %w", err)
	}
	return location.String(), nil
}

func endSession(session string) error {
	request, err := http.NewRequest(http.MethodDelete, session, nil)
	if err != nil {
		return err
	}
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		return err
	}
	response.Body.Close()
	fmt.Printf("deleted=%d\n", response.StatusCode)
	if response.StatusCode/100 != 2 {
		return fmt.Errorf("DELETE %s: %s", session, response.Status)
	}
	return nil
}

// runFor prints line() once per second for the given number of seconds, or until SIGTERM/SIGINT.
func runFor(seconds int, line func(second int) string) {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for second := 1; second <= seconds; second++ {
		select {
		case <-ticker.C:
			fmt.Println(line(second))
		case <-stop:
			return
		}
	}
}

func publish(endpoint, videoPath, audioPath string, seconds int) error {
	if videoPath == "" && audioPath == "" {
		return errors.New("publish needs -video, -audio or both")
	}
	pc, err := newPeerConnection()
	if err != nil {
		return err
	}
	defer pc.Close()
	var state atomic.Value
	watchStates(pc, &state)

	var videoFrames, audioPages, plis, firs int64
	var videoTrack, audioTrack *webrtc.TrackLocalStaticSample
	sendOnly := webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}
	if videoPath != "" {
		if videoTrack, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "video", "pion"); err != nil {
			return err
		}
		transceiver, err := pc.AddTransceiverFromTrack(videoTrack, sendOnly)
		if err != nil {
			return err
		}
		go readRTCP(transceiver.Sender(), &plis, &firs)
	}
	if audioPath != "" {
		if audioTrack, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}, "audio", "pion"); err != nil {
			return err
		}
		transceiver, err := pc.AddTransceiverFromTrack(audioTrack, sendOnly)
		if err != nil {
			return err
		}
		go readRTCP(transceiver.Sender(), nil, nil)
	}

	session, err := negotiate(pc, endpoint)
	if err != nil {
		return err
	}

	// Media starts once ICE is connected, as Pion's own examples do: samples written before that are lost.
	connected := make(chan struct{})
	var once atomic.Bool
	pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		fmt.Printf("ice_state=%s\n", s)
		if s == webrtc.ICEConnectionStateConnected && once.CompareAndSwap(false, true) {
			close(connected)
		}
	})
	select {
	case <-connected:
	case <-time.After(20 * time.Second):
		return errors.New("ICE did not connect within 20 s")
	}

	errs := make(chan error, 2)
	if videoTrack != nil {
		go func() { errs <- sendIVF(videoPath, videoTrack, &videoFrames) }()
	}
	if audioTrack != nil {
		go func() { errs <- sendOgg(audioPath, audioTrack, &audioPages) }()
	}
	go func() {
		if err := <-errs; err != nil {
			fmt.Printf("send_error=%q\n", err.Error())
		}
	}()

	runFor(seconds, func(second int) string {
		return fmt.Sprintf("second=%d video_frames=%d audio_pages=%d plis=%d firs=%d state=%s",
			second, atomic.LoadInt64(&videoFrames), atomic.LoadInt64(&audioPages), atomic.LoadInt64(&plis), atomic.LoadInt64(&firs), state.Load())
	})
	return endSession(session)
}

// readRTCP drains the sender's RTCP (which also lets the interceptors see NACKs) and counts keyframe requests.
func readRTCP(sender *webrtc.RTPSender, plis, firs *int64) {
	for {
		packets, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, packet := range packets {
			switch packet.(type) {
			case *rtcp.PictureLossIndication:
				if plis != nil {
					atomic.AddInt64(plis, 1)
				}
			case *rtcp.FullIntraRequest:
				if firs != nil {
					atomic.AddInt64(firs, 1)
				}
			}
		}
	}
}

// sendIVF sends the file's frames for ever, each at the time its IVF timestamp says, starting over at the end.
func sendIVF(path string, track *webrtc.TrackLocalStaticSample, frames *int64) error {
	start := time.Now()
	var offset time.Duration // media time at which the current pass over the file began
	for {
		file, err := os.Open(path)
		if err != nil {
			return err
		}
		reader, header, err := ivfreader.NewWith(file)
		if err != nil {
			file.Close()
			return err
		}
		if header.FourCC != "VP80" {
			file.Close()
			return fmt.Errorf("%s holds %s, not VP8", path, header.FourCC)
		}
		tick := time.Duration(header.TimebaseNumerator) * time.Second / time.Duration(header.TimebaseDenominator)
		var last time.Duration
		for {
			frame, frameHeader, err := reader.ParseNextFrame()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				file.Close()
				return err
			}
			at := time.Duration(frameHeader.Timestamp) * tick
			time.Sleep(time.Until(start.Add(offset + at)))
			if err = track.WriteSample(media.Sample{Data: frame, Duration: at - last}); err != nil {
				file.Close()
				return err
			}
			last = at
			atomic.AddInt64(frames, 1)
		}
		file.Close()
		offset += last + tick
	}
}

// sendOgg sends the file's pages (one Opus packet each) for ever, paced by their granule positions
// (48 kHz, RFC 7845 §4), starting over at the end.
func sendOgg(path string, track *webrtc.TrackLocalStaticSample, pages *int64) error {
	start := time.Now()
	var offset time.Duration
	for {
		file, err := os.Open(path)
		if err != nil {
			return err
		}
		reader, _, err := oggreader.NewWith(file)
		if err != nil {
			file.Close()
			return err
		}
		var last uint64
		for {
			page, pageHeader, err := reader.ParseNextPage()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				file.Close()
				return err
			}
			if pageHeader.GranulePosition <= last {
				continue // a header page or an empty one
			}
			duration := time.Duration(pageHeader.GranulePosition-last) * time.Second / 48000
			time.Sleep(time.Until(start.Add(offset + time.Duration(last)*time.Second/48000)))
			if err = track.WriteSample(media.Sample{Data: page, Duration: duration}); err != nil {
				file.Close()
				return err
			}
			last = pageHeader.GranulePosition
			atomic.AddInt64(pages, 1)
		}
		file.Close()
		offset += time.Duration(last) * time.Second / 48000
	}
}

func subscribe(endpoint string, seconds int) error {
	pc, err := newPeerConnection()
	if err != nil {
		return err
	}
	defer pc.Close()
	var state atomic.Value
	watchStates(pc, &state)

	recvOnly := webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}
	if _, err = pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, recvOnly); err != nil {
		return err
	}
	if _, err = pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, recvOnly); err != nil {
		return err
	}

	var videoPackets, videoFrames, keyframes, audioPackets int64
	pc.OnTrack(func(track *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		fmt.Printf("track=%s codec=%s ssrc=%d\n", track.Kind(), track.Codec().MimeType, track.SSRC())
		isVP8 := track.Codec().MimeType == webrtc.MimeTypeVP8
		for {
			packet, _, err := track.ReadRTP()
			if err != nil {
				return
			}
			if track.Kind() == webrtc.RTPCodecTypeAudio {
				atomic.AddInt64(&audioPackets, 1)
				continue
			}
			atomic.AddInt64(&videoPackets, 1)
			if packet.Marker {
				atomic.AddInt64(&videoFrames, 1)
			}
			if isVP8 && isVP8KeyframeStart(packet.Payload) {
				atomic.AddInt64(&keyframes, 1)
			}
		}
	})

	session, err := negotiate(pc, endpoint)
	if err != nil {
		return err
	}

	// Counts are per second, not cumulative, so that a test sees at once a second without video.
	var lastVideo, lastFrames, lastKeyframes, lastAudio int64
	runFor(seconds, func(second int) string {
		v, f, k, a := atomic.LoadInt64(&videoPackets), atomic.LoadInt64(&videoFrames), atomic.LoadInt64(&keyframes), atomic.LoadInt64(&audioPackets)
		line := fmt.Sprintf("second=%d video_packets=%d video_frames=%d keyframes=%d audio_packets=%d state=%s",
			second, v-lastVideo, f-lastFrames, k-lastKeyframes, a-lastAudio, state.Load())
		lastVideo, lastFrames, lastKeyframes, lastAudio = v, f, k, a
		return line
	})
	return endSession(session)
}

// isVP8KeyframeStart tells whether an RTP payload begins a VP8 keyframe: the payload descriptor
// (RFC 7741 §4.2) has S=1 and PID=0, and the first byte of the VP8 payload header has P=0 (§4.3).
func isVP8KeyframeStart(payload []byte) bool {
	if len(payload) < 1 {
		return false
	}
	first := payload[0]
	if first&0x10 == 0 || first&0x07 != 0 {
		return false
	}
	i := 1
	if first&0x80 != 0 { // X: an extension byte follows
		if len(payload) < 2 {
			return false
		}
		extension := payload[1]
		i = 2
		if extension&0x80 != 0 { // I: PictureID, one or two bytes
			if len(payload) <= i {
				return false
			}
			if payload[i]&0x80 != 0 {
				i += 2
			} else {
				i++
			}
		}
		if extension&0x40 != 0 { // L: TL0PICIDX
			i++
		}
		if extension&0x30 != 0 { // T or K: TID/KEYIDX byte
			i++
		}
	}
	return len(payload) > i && payload[i]&0x01 == 0
}
