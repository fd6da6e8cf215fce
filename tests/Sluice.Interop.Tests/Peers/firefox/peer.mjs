// Firefox ESR driven over WebDriver BiDi by puppeteer-core, for Sluice's interop tests.
//
//   node peer.mjs --page URL [--whip URL] [--whep URL] [--players N] [--seconds N]
//
// One headless Firefox: an optional publisher tab (fake camera and microphone, WHIP), then N player tabs (WHEP),
// all from page.html, which the test serves on 127.0.0.1 (a secure context, so getUserMedia works). Every line
// printed is one event; once everyone is connected, each tab's getStats() counters are printed once a second as
// "stats <tab> <json>". Exit code 0 after --seconds, 1 on any error (with the reason on the last line).
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

async function main() {
  const seconds = Number(args.seconds);
  const browser = await puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: args.executable,
    headless: true,
    extraPrefsFirefox: prefs,
    env: { ...process.env, MOZ_REMOTE_SETTINGS_DEVTOOLS: '1' },
  });
  say('firefox', await browser.version());
  try {
    const tabs = [];
    if (args.whip) {
      const publisher = await open(browser, 'publisher');
      await publisher.evaluate(url => window.publish(url), args.whip);
      await connected(publisher, 'publisher');
      tabs.push(['publisher', publisher]);
    }

    for (let i = 1; i <= Number(args.players); i++) {
      const name = `player${i}`;
      const player = await open(browser, name);
      await player.evaluate(url => window.play(url), args.whep);
      await connected(player, name);
      tabs.push([name, player]);
    }

    say('all connected');
    for (let second = 1; second <= seconds; second++) {
      await new Promise(resolve => setTimeout(resolve, 1000));
      for (const [name, page] of tabs) {
        say(`stats ${name} ${JSON.stringify({ second, ...(await page.evaluate(() => window.rtpStats())) })}`);
      }
    }

    for (const [, page] of tabs) {
      await page.evaluate(() => window.stop());
    }
    say('done');
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), error => {
  say('error', error && error.stack ? error.stack : String(error));
  process.exit(1);
});
