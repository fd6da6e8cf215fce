// The node's dashboard: the stream table fed by Server-Sent Events (/api/sse/streams), WHEP previews, and a
// WHIP publisher. Plain browser JavaScript, no build step.
'use strict';

const $ = id => document.getElementById(id);
const TOKEN_KEY = 'sluice.token';

// ---- Token and API calls -------------------------------------------------------------------------------------

function token() { return localStorage.getItem(TOKEN_KEY) || ''; }

function authHeaders(extra) {
  const headers = Object.assign({}, extra);
  if (token()) headers.Authorization = 'Bearer ' + token();
  return headers;
}

// Every call to the node (admin API, WHIP/WHEP POST, PATCH, DELETE) goes through here, so the token goes with it.
async function call(method, url, { body, contentType } = {}) {
  const res = await fetch(url, {
    method,
    headers: authHeaders(contentType ? { 'Content-Type': contentType } : {}),
    body,
  });
  if (!res.ok) throw Object.assign(new Error(await problemText(res)), { status: res.status });
  return res;
}

async function problemText(res) {
  const text = await res.text();
  try {
    const problem = JSON.parse(text);
    return res.status + ' ' + (problem.title || '') + (problem.detail ? ': ' + problem.detail : '');
  } catch {
    return res.status + ' ' + (text || res.statusText);
  }
}

function showError(message) {
  const box = $('api-error');
  box.textContent = message;
  box.hidden = !message;
}

// ---- WHIP / WHEP -----------------------------------------------------------------------------------------------

// Offers, POSTs to a WHIP or WHEP endpoint, applies the answer; returns the session URL (RFC 9725 §4.2).
async function negotiate(pc, endpoint) {
  await pc.setLocalDescription(await pc.createOffer());
  const res = await call('POST', endpoint, { body: pc.localDescription.sdp, contentType: 'application/sdp' });
  if (res.status !== 201) throw new Error('expected 201 Created, got ' + res.status);
  const sessionUrl = new URL(res.headers.get('Location'), endpoint).toString();
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  return sessionUrl;
}

function endSession(sessionUrl) {
  return call('DELETE', sessionUrl).catch(() => {});
}

function endpoint(kind, stream) { return new URL('/' + kind + '/' + encodeURIComponent(stream), location).toString(); }

function sessionIdOf(sessionUrl) { return sessionUrl ? sessionUrl.split('/').pop() : null; }

// A player: a receive-only connection whose tracks play in the given video element, made again by itself when it
// fails (its node died or dropped it): the WHEP POST is repeated after 0.25 s, doubling to 5 s while it keeps
// failing, so behind a load balancer the viewer lands on a live node. A session whose media stops for 1.5 s counts
// as failed too: a browser takes 5 s or more to call a silent peer disconnected. `report` hears the state.
const STALL_MS = 1500;
function play(stream, video, report = () => {}) {
  const player = { pc: null, session: null, closed: false, reconnects: 0 };
  let wait = 250;
  let timer = null;
  let grace = null;
  const watch = setInterval(checkMedia, 250);
  let bytes = 0;
  let lastGrowth = 0;

  // Armed by the first media of a session: a stream that never started (no publisher yet) is not a failure.
  async function checkMedia() {
    const pc = player.pc;
    if (!pc || player.closed || pc.connectionState !== 'connected') return;
    let now = 0;
    (await pc.getStats()).forEach(r => { if (r.type === 'inbound-rtp') now += r.bytesReceived || 0; });
    if (pc !== player.pc) return;
    if (now > bytes) {
      bytes = now;
      lastGrowth = performance.now();
    } else if (lastGrowth && performance.now() - lastGrowth > STALL_MS) {
      report('stalled (no media for ' + STALL_MS / 1000 + ' s)');
      retry(pc);
    }
  }

  async function connect() {
    if (player.closed) return;
    const pc = new RTCPeerConnection();
    player.pc = pc;
    bytes = 0;
    lastGrowth = 0;
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const remote = new MediaStream();
    pc.ontrack = e => {
      remote.addTrack(e.track);
      if (video.srcObject !== remote) video.srcObject = remote;
    };
    pc.onconnectionstatechange = () => {
      report(pc.connectionState);
      clearTimeout(grace);
      if (pc.connectionState === 'connected') wait = 250;
      if (pc.connectionState === 'failed') retry(pc);
      // A short loss of consent recovers by itself; a dead node does not.
      if (pc.connectionState === 'disconnected') grace = setTimeout(() => retry(pc), 1000);
    };
    try {
      player.session = await negotiate(pc, endpoint('whep', stream));
    } catch (e) {
      report('failed: ' + e.message);
      // A refusal (bad token, bad request) stays one: only a node that is away or overloaded is tried again.
      if (e.status >= 400 && e.status < 500) {
        player.closed = true;
        clearInterval(watch);
        pc.close();
        if (player.onrefused) player.onrefused(e);
      } else {
        retry(pc);
      }
    }
  }

  function retry(pc) {
    if (player.closed || pc !== player.pc || timer) return;
    pc.close();
    if (player.session) endSession(player.session);
    player.session = null;
    timer = setTimeout(() => { timer = null; player.reconnects++; connect(); }, wait);
    wait = Math.min(wait * 2, 5000);
  }

  player.close = async () => {
    player.closed = true;
    clearInterval(watch);
    clearTimeout(timer);
    clearTimeout(grace);
    if (player.pc) player.pc.close();
    if (player.session) await endSession(player.session);
  };
  player.ready = connect();
  return player;
}

// ---- Publish and play (the page's own session) ------------------------------------------------------------------

let own = null; // { pc, session, media }

function status(text) { $('status').textContent = text; }

async function start(publish) {
  await stop();
  const stream = $('stream').value;
  try {
    if (publish) {
      const media = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      const pc = new RTCPeerConnection();
      own = { pc, media, session: null };
      $('video').srcObject = media;
      const video = pc.addTransceiver(media.getVideoTracks()[0], { direction: 'sendonly', streams: [media] });
      pc.addTransceiver(media.getAudioTracks()[0], { direction: 'sendonly', streams: [media] });
      preferCodec(video, $('codec').value);
      pc.onconnectionstatechange = () => status('connection ' + pc.connectionState);
      own.session = await negotiate(pc, endpoint('whip', stream));
    } else {
      own = play(stream, $('video'), state => status('connection ' + state));
      own.onrefused = e => status('failed: ' + e.message);
      await own.ready;
    }
    $('stop').disabled = false;
    status((publish ? 'publishing ' : 'playing ') + stream + '…');
  } catch (e) {
    status('failed: ' + e.message);
    await stop();
  }
}

function preferCodec(transceiver, codec) {
  if (!codec) return;
  const all = RTCRtpSender.getCapabilities('video').codecs;
  const wanted = all.filter(c => c.mimeType.toLowerCase() === 'video/' + codec.toLowerCase());
  if (wanted.length === 0) throw new Error('this browser cannot send ' + codec);
  transceiver.setCodecPreferences([...wanted, ...all.filter(c => !wanted.includes(c))]);
}

async function stop() {
  if (!own) return;
  const current = own;
  own = null;
  if (current.close) {
    await current.close();
  } else {
    current.pc.close();
    if (current.media) current.media.getTracks().forEach(t => t.stop());
    if (current.session) await endSession(current.session);
  }
  $('stop').disabled = true;
}

// ---- Previews ----------------------------------------------------------------------------------------------------

const previews = new Map(); // stream id -> { card, player }

async function togglePreview(stream) {
  if (previews.has(stream)) return closePreview(stream);
  const card = document.createElement('div');
  card.className = 'preview';
  card.dataset.preview = stream;
  card.innerHTML = '<div class="bar"><b></b><button class="small" type="button">Close</button></div><video autoplay playsinline muted controls></video>';
  card.querySelector('b').textContent = stream;
  card.querySelector('button').onclick = () => closePreview(stream);
  $('previews').appendChild(card);
  $('previews-empty').hidden = true;
  const entry = { card, player: play(stream, card.querySelector('video')) };
  entry.player.onrefused = e => {
    showError('preview of ' + stream + ' failed: ' + e.message);
    closePreview(stream);
  };
  previews.set(stream, entry);
  await entry.player.ready;
}

async function closePreview(stream) {
  const entry = previews.get(stream);
  if (!entry) return;
  previews.delete(stream);
  entry.card.remove();
  $('previews-empty').hidden = previews.size > 0;
  await entry.player.close();
}

// ---- Stream table ------------------------------------------------------------------------------------------------

function escape(text) {
  return String(text ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

function bitrate(bits) {
  if (!bits) return '0';
  if (bits < 1e3) return bits + ' bit/s';
  if (bits >= 1e6) return (bits / 1e6).toFixed(2) + ' Mbit/s';
  return (bits / 1e3).toFixed(0) + ' kbit/s';
}

function since(time) {
  if (!time) return '—';
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(time)) / 1000));
  if (seconds < 60) return seconds + ' s';
  if (seconds < 3600) return Math.floor(seconds / 60) + ' min ' + (seconds % 60) + ' s';
  return Math.floor(seconds / 3600) + ' h ' + Math.floor((seconds % 3600) / 60) + ' min';
}

// Sessions this page holds itself, marked in the table so an operator does not kick their own preview by mistake.
function ownSessions() {
  const ids = new Set();
  if (own && own.session) ids.add(sessionIdOf(own.session));
  previews.forEach(p => p.player.session && ids.add(sessionIdOf(p.player.session)));
  return ids;
}

// A session's data channels: their labels, and messages received from / sent to the peer (dropped, if any).
function dataCell(data) {
  if (!data) return '—';
  const labels = data.channels.map(c => escape(c.label)).join(', ') || 'no channel';
  const dropped = data.dropped ? `, ${data.dropped} dropped` : '';
  return `<span class="data" title="${escape(data.state)}; ${data.bytesIn} B in, ${data.bytesOut} B out">${labels}: ${data.messagesIn} in / ${data.messagesOut} out${dropped}</span>`;
}

// A cascade (the node is another server's client) says which way and where; a cluster relay says so.
function cascadeNote(c) {
  if (!c) return '';
  const where = c.sourceUrl ? 'from ' + c.sourceUrl : 'to ' + c.targetUrl;
  return `<span class="cascade" title="${escape(c.sessionUrl || '')}">${c.relay ? 'relay' : 'cascade'} ${escape(where)}</span>`;
}

// A subscriber's layers: the encoding it gets, whether the layer API pinned it, the spatial and temporal layers sent
// of those the encoding has, and video paused for bandwidth.
function layerNote(layers) {
  if (!layers || layers.length === 0) return '';
  const within = l => (l.spatialLayers > 1 ? ` S${l.spatial}/${l.spatialLayers}` : '')
    + (l.temporalLayers > 1 ? ` T${l.temporal}/${l.temporalLayers}` : '');
  return layers.map(l => l.paused
    ? `<span class="cascade paused" title="the estimate does not carry the lowest layer">video paused</span>`
    : `<span class="cascade" title="${l.framesDropped} frames of upper temporal layers not sent">layer ${escape(l.encoding || '—')}${within(l)}${l.pinned ? ' (pinned)' : ''}</span>`).join('');
}

// A subscriber's bandwidth as the node estimates it from its feedback, with the probes that looked for more.
function bandwidthNote(b) {
  if (!b) return '';
  return `<span class="cascade" title="acknowledged ${bitrate(b.acknowledgedBitrate)}, ${b.probes} probes (${b.probesSucceeded} raised it), ${b.feedbacks} feedbacks">est. ${bitrate(b.estimatedBitrate)}</span>`;
}

function sessionRow(stream, s, mine) {
  return `<tr data-session="${escape(s.id)}" data-role="${s.role}">
    <td class="id">${escape(s.id)}${mine.has(s.id) ? '<span class="mine">this page</span>' : ''}</td>
    <td>${s.role}${cascadeNote(s.cascade)}${layerNote(s.layers)}${bandwidthNote(s.bandwidth)}</td>
    <td class="state-${escape(s.state)}">${escape(s.state)}</td>
    <td>${escape(s.remoteAddress || '—')}</td>
    <td>${escape(s.codecs.join(', '))}</td>
    <td class="num">${bitrate(s.bitrateIn)}</td>
    <td class="num">${bitrate(s.bitrateOut)}</td>
    <td class="num">${s.packets}</td>
    <td class="num">${s.packetsLost}</td>
    <td class="num">${s.nacks}</td>
    <td class="num">${s.plis}</td>
    <td>${dataCell(s.data)}</td>
    <td>${since(s.connectedSince)}</td>
    <td><button class="small danger kick" type="button" data-stream="${escape(stream)}" data-session="${escape(s.id)}">Kick</button></td>
  </tr>`;
}

function render(streams) {
  const mine = ownSessions();
  const rows = [];
  for (const st of streams) {
    const sessions = (st.publisher ? [st.publisher] : []).concat(st.subscribers);
    const bitsIn = st.publisher ? st.publisher.bitrateIn : 0;
    rows.push(`<tr class="stream" data-stream="${escape(st.id)}"><th colspan="14">
      ${escape(st.id)}
      <span class="meta">${st.publisher ? 'published, ' + bitrate(bitsIn) : 'waiting for a publisher'} ·
        ${st.subscribers.length} subscriber${st.subscribers.length === 1 ? '' : 's'} · created ${since(st.createdAt)} ago</span>
      <span class="actions">
        <button class="small preview-toggle" type="button" data-stream="${escape(st.id)}">${previews.has(st.id) ? 'Close preview' : 'Preview'}</button>
        <button class="small danger delete" type="button" data-stream="${escape(st.id)}">Delete</button>
      </span></th></tr>`);
    if (sessions.length === 0) rows.push('<tr class="none"><td colspan="14">no sessions</td></tr>');
    for (const s of sessions) rows.push(sessionRow(st.id, s, mine));
  }

  $('streams-body').innerHTML = rows.join('');
  $('streams-empty').hidden = streams.length > 0;
  // A preview of a stream that is gone has nothing left to show.
  for (const id of [...previews.keys()]) if (!streams.some(st => st.id === id)) closePreview(id);
}

// One listener for every button in the table: rows are rebuilt on each event.
$('streams-body').addEventListener('click', async e => {
  const button = e.target.closest('button');
  if (!button) return;
  const stream = button.dataset.stream;
  try {
    if (button.classList.contains('kick')) {
      await call('DELETE', '/api/streams/' + encodeURIComponent(stream) + '/sessions/' + encodeURIComponent(button.dataset.session));
    } else if (button.classList.contains('delete')) {
      if (!confirm('Delete stream ' + stream + ' and end all its sessions?')) return;
      await call('DELETE', '/api/streams/' + encodeURIComponent(stream));
    } else if (button.classList.contains('preview-toggle')) {
      await togglePreview(stream);
    }
    showError('');
  } catch (err) {
    showError(err.message);
  }
});

$('create').onclick = async () => {
  const name = $('new-stream').value.trim();
  if (!name) return;
  try {
    await call('POST', '/api/streams/' + encodeURIComponent(name));
    $('new-stream').value = '';
    showError('');
  } catch (err) {
    showError(err.message);
  }
};

// ---- Room table ---------------------------------------------------------------------------------------------------

function renderRooms(rooms) {
  const rows = [];
  for (const room of rooms) {
    rows.push(`<tr class="stream" data-room="${escape(room.id)}"><th colspan="6">
      ${escape(room.id)}
      <span class="meta">${room.participants.length} participant${room.participants.length === 1 ? '' : 's'} · created ${since(room.createdAt)} ago</span>
      <span class="actions">
        <a href="room.html?room=${encodeURIComponent(room.id)}">Join</a>
        <button class="small danger delete-room" type="button" data-room="${escape(room.id)}">Delete</button>
      </span></th></tr>`);
    for (const person of room.participants) {
      const sessions = person.sessions;
      const bitsIn = sessions.reduce((sum, s) => sum + s.session.bitrateIn, 0);
      const bitsOut = sessions.reduce((sum, s) => sum + s.session.bitrateOut, 0);
      rows.push(`<tr data-participant="${escape(person.id)}">
        <td>${escape(person.id)}</td>
        <td>${sessions.map(s => escape(s.fullId) + ' (' + s.session.role + ')').join(', ')}</td>
        <td>${sessions.map(s => `<span class="state-${escape(s.session.state)}">${escape(s.session.state)}</span>`).join(', ')}</td>
        <td class="num">${bitrate(bitsIn)}</td>
        <td class="num">${bitrate(bitsOut)}</td>
        <td><button class="small danger kick-participant" type="button" data-room="${escape(room.id)}" data-participant="${escape(person.id)}">Kick</button></td>
      </tr>`);
    }
  }

  $('rooms-body').innerHTML = rows.join('');
  $('rooms-empty').hidden = rooms.length > 0;
}

$('rooms-body').addEventListener('click', async e => {
  const button = e.target.closest('button');
  if (!button) return;
  const room = encodeURIComponent(button.dataset.room);
  try {
    if (button.classList.contains('kick-participant')) {
      await call('DELETE', '/api/rooms/' + room + '/participants/' + encodeURIComponent(button.dataset.participant));
    } else if (button.classList.contains('delete-room')) {
      if (!confirm('Delete room ' + button.dataset.room + ' and end every session in it?')) return;
      await call('DELETE', '/api/rooms/' + room);
    }
    showError('');
  } catch (err) {
    showError(err.message);
  }
});

// ---- Live updates ------------------------------------------------------------------------------------------------

const feeds = {};

// EventSource cannot send headers: the token goes in the query string, which the node accepts on these URLs only.
function connectFeed(name, badgeId, renderer) {
  if (feeds[name]) feeds[name].close();
  const url = '/api/sse/' + name + (token() ? '?token=' + encodeURIComponent(token()) : '');
  const source = feeds[name] = new EventSource(url);
  const badge = $(badgeId);
  source.addEventListener(name, e => {
    badge.textContent = 'live';
    badge.className = 'badge on';
    renderer(JSON.parse(e.data));
  });
  source.onerror = () => {
    badge.textContent = 'offline';
    badge.className = 'badge off';
    // The browser retries a dropped connection by itself, but gives up on an HTTP error (401 with a bad token).
    if (source.readyState === EventSource.CLOSED) setTimeout(() => connectFeed(name, badgeId, renderer), 5000);
  };
}

function connectEvents() {
  connectFeed('streams', 'live', render);
  connectFeed('rooms', 'rooms-live', renderRooms);
}

async function loadInfo() {
  try {
    const info = await (await call('GET', '/api/info')).json();
    $('node-info').textContent = `v${info.version} (${info.build.slice(0, 12)}) · up ${since(new Date(Date.now() - info.uptimeSeconds * 1000).toISOString())}` +
      ` · media ${info.mediaEndpoint} · candidates ${info.candidates.join(', ')}`;
  } catch (err) {
    $('node-info').textContent = 'node info unavailable: ' + err.message;
  }
}

// ---- Start -------------------------------------------------------------------------------------------------------

$('token').value = token();
$('token-save').onclick = () => {
  const value = $('token').value.trim();
  if (value) localStorage.setItem(TOKEN_KEY, value); else localStorage.removeItem(TOKEN_KEY);
  connectEvents();
  loadInfo();
};
$('publish').onclick = () => start(true);
$('play').onclick = () => start(false);
$('stop').onclick = () => stop().then(() => status('stopped'));
window.addEventListener('pagehide', () => {
  // keepalive lets the DELETEs outlive the page.
  const sessions = [own && own.session, ...[...previews.values()].map(p => p.player.session)].filter(Boolean);
  for (const url of sessions) fetch(url, { method: 'DELETE', headers: authHeaders(), keepalive: true });
});

connectEvents();
loadInfo();
setInterval(loadInfo, 10000);
