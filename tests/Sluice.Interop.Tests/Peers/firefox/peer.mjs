// Firefox ESR driven over WebDriver BiDi by puppeteer-core, for Sluice's interop tests.
//
//   node peer.mjs --page URL [--whip URL] [--whep URL] [--players N] [--seconds N] [--simulcast] [--relay HOST:PORT]
//                 [--data LABEL] [--player-labels L1,L2,...] [--player-browser firefox|chromium] [--commands]
//
// One headless Firefox: an optional publisher tab (fake camera and microphone, WHIP), then N player tabs (WHEP),
// all from page.html, which the test serves on 127.0.0.1 (a secure context, so getUserMedia works). Every line
// printed is one event; once everyone is connected, each tab's getStats() counters are printed once a second as
// "stats <tab> <json>". Exit code 0 after --seconds, 1 on any error (with the reason on the last line).
// --simulcast: the publisher sends VP8 in three encodings (q, h, f); --relay: the players' answers are pointed at
// that address (a rate-limited relay in the test) instead of the node's.
//
// Data channels: --data opens a channel with that label in the publisher's offer, --player-labels one in each
// player's (an empty item: none). The players may run in headless Chromium instead (--player-browser chromium,
// /usr/bin/chromium over CDP). Each tab's data channel events and messages are printed as page.html's lines with
// "tab=NAME" after the first word ("message tab=player1 label=chat type=binary len=… digest=…"). With --commands,
// standard input takes one command a line, for a tab:
//   TAB burst COUNT SIZES              numbered messages on the tab's own channel (--data or its --player-labels item)
//   TAB send LABEL text|binary PAYLOAD one message on the tab's open channel with that label
//
// Rooms: --room-page URL opens the node's room page (/room.html?room=R&name=N) instead, joins, and once connected
// prints "room <json>" every second: the other people's tiles with their name, video size and frames played, and
// the audio packets the subscriber connection received.
//
// LiveKit: --livekit-page URL opens the page of LiveKit's JS client the node serves for the tests, joins --livekit-url
// with --token using the SDK's defaults, prints "livekit joined <json>", publishes camera and microphone, and prints
// "livekit <json>" every second: the remote tracks with their participant, kind, frames decoded and packets.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer-core';

const { values: args } = parseArgs({
  options: {
    page: { type: 'string' },
    whip: { type: 'string' },
    whep: { type: 'string' },
    players: { type: 'string', default: '0' },
    seconds: { type: 'string', default: '10' },
    executable: { type: 'string', default: '/usr/bin/firefox-esr' },
    data: { type: 'string' },
    'player-labels': { type: 'string', default: '' },
    'player-browser': { type: 'string', default: 'firefox' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    commands: { type: 'boolean', default: false },
    'room-page': { type: 'string' },
    'livekit-page': { type: 'string' },
    'livekit-url': { type: 'string' },
    token: { type: 'string' },
    simulcast: { type: 'boolean', default: false },
    relay: { type: 'string' },
  },
});

const say = (...parts) => console.log(...parts);

// Prefs from shared/TESTING.md: a fake camera and microphone without a prompt (and the camera permission that
// makes Firefox gather host candidates at all), loopback and plain host addresses in ICE, no throttling of
// background tabs, and no network traffic of its own.
const prefs = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'permissions.default.camera': 1,
  'permissions.default.microphone': 1,
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.autoplay.default': 0,
  'dom.min_background_timeout_value': 4,
  'dom.timeout.enable_budget_timer_throttling': false,
  'services.settings.server': 'http://127.0.0.1:9/v1',
  'network.connectivity-service.enabled': false,
  'app.update.auto': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
};

// Flags from shared/TESTING.md; loopback candidates need --allow-loopback-in-peer-connection.
const chromiumFlags = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection', '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
];

const launchFirefox = () => puppeteer.launch({
  browser: 'firefox',
  protocol: 'webDriverBiDi',
  executablePath: args.executable,
  headless: true,
  extraPrefsFirefox: prefs,
  env: { ...process.env, MOZ_REMOTE_SETTINGS_DEVTOOLS: '1' },
});

const launchChromium = () => puppeteer.launch({ browser: 'chrome', executablePath: args.chromium, headless: true, args: chromiumFlags });

async function open(browser, name) {
  const page = await browser.newPage();
  page.on('console', message => say(`console ${name}`, message.text()));
  page.on('pageerror', error => say(`pageerror ${name}`, error.message));
  await page.goto(args.page);
  return page;
}

async function connected(page, name) {
  await page.waitForFunction(() => window.pc && window.pc.connectionState === 'connected', { timeout: 15000, polling: 100 });
  say(`connected ${name}`);
}

// Prints a tab's data channel lines every 100 ms, with tab=NAME after the first word.
function printDataLines(tabs) {
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      for (const [name, page] of tabs) {
        for (const line of await page.evaluate(() => window.drainLines())) {
          const space = line.indexOf(' ');
          say(space < 0 ? `${line} tab=${name}` : `${line.slice(0, space)} tab=${name}${line.slice(space)}`);
        }
      }
    } catch (error) {
      say('drain_error', String(error));
    } finally {
      busy = false;
    }
  }, 100);
  return () => clearInterval(timer);
}

// Reads "TAB burst COUNT SIZES" and "TAB send LABEL TYPE PAYLOAD" commands; each tab runs its commands in order.
function readCommands(tabs, labels) {
  const queues = new Map();
  createInterface({ input: process.stdin }).on('line', line => {
    const [tab, command, ...rest] = line.trim().split(/\s+/);
    const page = tabs.find(([name]) => name === tab)?.[1];
    let run;
    if (!page) {
      say('command_error', `no tab ${tab} in: ${line}`);
      return;
    } else if (command === 'burst' && rest.length === 2) {
      const sizes = rest[1].split(',').filter(s => s).map(Number);
      run = () => page.evaluate((label, count, s) => window.burst(label, count, s), labels[tab], Number(rest[0]), sizes);
    } else if (command === 'send' && rest.length === 3 && ['text', 'binary'].includes(rest[1])) {
      run = () => page.evaluate((label, type, payload) => window.sendOne(label, type, payload), rest[0], rest[1], rest[2]);
    } else {
      say('command_error', `tab=${tab} unknown command: ${line}`);
      return;
    }
    const previous = queues.get(tab) ?? Promise.resolve();
    queues.set(tab, previous.then(run).catch(error => say('command_error', `tab=${tab}`, error && error.message ? error.message : String(error))));
  });
}

async function joinRoom(browser, seconds) {
  const page = await browser.newPage();
  page.on('console', message => say('console room', message.text()));
  page.on('pageerror', error => say('pageerror room', error.message));
  await page.goto(args['room-page']);
  await page.click('#join');
  await page.waitForFunction(() => window.room.sub && window.room.sub.connectionState === 'connected', { timeout: 20000, polling: 100 });
  say('all connected');
  for (let second = 1; second <= seconds; second++) {
    await new Promise(resolve => setTimeout(resolve, 1000));
    const state = await page.evaluate(async () => {
      let audioPackets = 0;
      (await window.room.sub.getStats()).forEach(s => { if (s.type === 'inbound-rtp' && s.kind === 'audio') audioPackets += s.packetsReceived || 0; });
      // Frames decoded per remote video track (Firefox counts none in getVideoPlaybackQuality for a MediaStream).
      const decoded = {};
      (await window.room.sub.getStats()).forEach(s => { if (s.type === 'inbound-rtp' && s.kind === 'video') decoded[s.trackIdentifier] = s.framesDecoded || 0; });
      const tiles = [...document.querySelectorAll('.tile:not(.me)')].map(t => {
        const video = t.querySelector('video');
        const track = video.srcObject.getVideoTracks()[0];
        return { name: t.querySelector('.name').textContent, width: video.videoWidth, frames: track ? decoded[track.id] || 0 : 0 };
      });
      return { connection: window.room.sub.connectionState, audioPackets, tiles };
    });
    say(`room ${JSON.stringify({ second, ...state })}`);
  }
  await page.click('#leave');
  say('done');
}

async function joinLiveKit(browser, seconds) {
  const page = await browser.newPage();
  page.on('console', message => say('console livekit', message.text()));
  page.on('pageerror', error => say('pageerror livekit', error.message));
  await page.goto(args['livekit-page']);
  const joined = await page.evaluate((url, token) => window.join(url, token), args['livekit-url'], args.token);
  say(`livekit joined ${JSON.stringify(joined)}`);
  await page.evaluate(() => window.publish());
  for (let second = 1; second <= seconds; second++) {
    await new Promise(resolve => setTimeout(resolve, 1000));
    say(`livekit ${JSON.stringify(await page.evaluate(() => window.remote()))}`);
  }
  await page.evaluate(() => window.leave());
  say('done');
}

async function main() {
  const seconds = Number(args.seconds);
  if (args['livekit-page']) {
    const browser = await launchFirefox();
    say('firefox', await browser.version());
    try {
      await joinLiveKit(browser, seconds);
    } finally {
      await browser.close();
    }
    return;
  }

  if (args['room-page']) {
    const browser = await launchFirefox();
    say('firefox', await browser.version());
    try {
      await joinRoom(browser, seconds);
    } finally {
      await browser.close();
    }
    return;
  }

  const playerLabels = args['player-labels'].split(',');
  const browser = await launchFirefox();
  const playerBrowser = args['player-browser'] === 'chromium' ? await launchChromium() : browser;
  say('firefox', await browser.version());
  if (playerBrowser !== browser) say('players in', await playerBrowser.version());
  try {
    const tabs = [];
    const labels = {};
    if (args.whip) {
      const publisher = await open(browser, 'publisher');
      await publisher.evaluate((url, label, simulcast) => window.publish(url, label, simulcast), args.whip, args.data ?? null, args.simulcast);
      await connected(publisher, 'publisher');
      tabs.push(['publisher', publisher]);
      labels.publisher = args.data;
    }

    for (let i = 1; i <= Number(args.players); i++) {
      const name = `player${i}`;
      const label = playerLabels[i - 1] || null;
      const player = await open(playerBrowser, name);
      const relay = args.relay ? { host: args.relay.slice(0, args.relay.lastIndexOf(':')), port: Number(args.relay.slice(args.relay.lastIndexOf(':') + 1)) } : null;
      await player.evaluate((url, l, r) => window.play(url, l, r), args.whep, label, relay);
      await connected(player, name);
      tabs.push([name, player]);
      labels[name] = label;
    }

    const stopPrinting = printDataLines(tabs);
    if (args.commands) readCommands(tabs, labels);
    say('all connected');
    for (let second = 1; second <= seconds; second++) {
      await new Promise(resolve => setTimeout(resolve, 1000));
      for (const [name, page] of tabs) {
        say(`stats ${name} ${JSON.stringify({ second, ...(await page.evaluate(() => window.rtpStats())) })}`);
      }
    }

    stopPrinting();
    for (const [, page] of tabs) {
      await page.evaluate(() => window.stop());
    }
    say('done');
  } finally {
    if (playerBrowser !== browser) await playerBrowser.close();
    await browser.close();
  }
}

main().then(() => process.exit(0), error => {
  say('error', error && error.stack ? error.stack : String(error));
  process.exit(1);
});
