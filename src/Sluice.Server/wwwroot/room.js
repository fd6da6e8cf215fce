// The room page: join a room (weever-streaming's protocol), see and hear everyone else, mute, share the screen,
// chat. Plain browser JavaScript, no build step. Every id and message is shown as text, never as markup.
'use strict';

const $ = id => document.getElementById(id);
const TOKEN_KEY = 'sluice.token';

// What the page holds while in a room; window.room lets tests look.
const room = window.room = {
  name: null, id: null, fullId: null, pub: null, sub: null, screen: null, local: null,
  pubControl: null, subControl: null, chatOut: null, tiles: new Map(), messages: [],
};

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = !message;
}

function status(text) { $('status').textContent = text; }

const gathered = pc => new Promise(resolve => {
  if (pc.iceGatheringState === 'complete') return resolve();
  pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
});

// Offers once every candidate is gathered (the node never trickles here) and applies the answer.
async function post(pc, path) {
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const headers = { 'Content-Type': 'application/sdp' };
  const bearer = $('room-token').value || localStorage.getItem(TOKEN_KEY);
  if (bearer) headers.Authorization = 'Bearer ' + bearer;
  const res = await fetch(path, { method: 'POST', headers, body: pc.localDescription.sdp });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`${res.status} ${text}`);
  await pc.setRemoteDescription({ type: 'answer', sdp: text });
}

function tile(key, label, mine) {
  let entry = room.tiles.get(key);
  if (entry) return entry;
  const box = document.createElement('div');
  box.className = 'tile' + (mine ? ' me' : '');
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.muted = mine;
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = label;
  box.append(video, name);
  $('grid').append(box);
  entry = { box, video, stream: new MediaStream() };
  video.srcObject = entry.stream;
  room.tiles.set(key, entry);
  return entry;
}

function removeTile(key) {
  const entry = room.tiles.get(key);
  if (!entry) return;
  entry.box.remove();
  room.tiles.delete(key);
}

// A full id shown as its person: "ann+1733" → "ann", "ann-screen+1733" → "ann (screen)".
function label(fullId) {
  const id = fullId.split('+')[0];
  return id.endsWith('-screen') ? id.slice(0, -7) + ' (screen)' : id;
}

function addMessage(from, text) {
  room.messages.push({ from, text });
  const item = document.createElement('li');
  const who = document.createElement('span');
  who.className = 'from';
  who.textContent = from;
  item.append(who, document.createTextNode(text));
  $('messages').append(item);
  item.scrollIntoView({ block: 'nearest' });
}

function receiveChat(channel) {
  channel.onmessage = e => {
    try {
      const message = JSON.parse(e.data);
      addMessage(String(message.from), String(message.text));
    } catch { /* not ours: ignored */ }
  };
}

async function publish(roomName, fullId, stream, withChat) {
  const pc = new RTCPeerConnection();
  const control = pc.createDataChannel('control');
  control.onmessage = async e => {
    if (e.data.startsWith('SDP_ANSWER ')) await pc.setRemoteDescription({ type: 'answer', sdp: e.data.slice(11) });
  };
  const chat = withChat ? pc.createDataChannel('chat') : null;
  stream.getTracks().forEach(t => pc.addTrack(t, stream));
  await post(pc, `/pub/${encodeURIComponent(roomName)}/${encodeURIComponent(fullId)}`);
  return { pc, control, chat };
}

async function subscribe(roomName, fullId) {
  const pc = new RTCPeerConnection();
  const control = pc.createDataChannel('control');
  pc.ontrack = e => {
    const key = e.streams[0] ? e.streams[0].id : e.track.id;
    const entry = tile(key, label(key), false);
    entry.stream.addTrack(e.track);
  };
  pc.ondatachannel = e => { if (e.channel.label === 'chat') receiveChat(e.channel); };
  control.onmessage = async e => {
    const text = e.data, space = text.indexOf(' ');
    const command = space < 0 ? text : text.slice(0, space), argument = space < 0 ? '' : text.slice(space + 1);
    try {
      if (command === 'SDP_OFFER') {
        await pc.setRemoteDescription({ type: 'offer', sdp: argument });
        const answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        control.send('SDP_ANSWER ' + answer.sdp);
      } else if (command === 'PUB_LEFT') {
        removeTile(argument);
      }
    } catch (error) {
      console.error(`${command} failed: ${error.message}`);
      showError(`${command} failed: ${error.message}`);
    }
  };
  pc.onconnectionstatechange = () => status(pc.connectionState === 'connected' ? 'in the room' : pc.connectionState);
  await post(pc, `/sub/${encodeURIComponent(roomName)}/${encodeURIComponent(fullId)}`);
  return { pc, control };
}

async function join() {
  showError('');
  const roomName = $('room').value.trim(), name = $('name').value.trim();
  if (!roomName || !name) return;
  $('join').disabled = true;
  try {
    room.name = roomName;
    room.id = name;
    room.fullId = name + '+' + Date.now();
    room.local = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
    const me = tile('me', name + ' (you)', true);
    room.local.getTracks().forEach(t => me.stream.addTrack(t));
    const published = await publish(roomName, room.fullId, room.local, true);
    room.pub = published.pc;
    room.pubControl = published.control;
    room.chatOut = published.chat;
    const subscribed = await subscribe(roomName, room.fullId);
    room.sub = subscribed.pc;
    room.subControl = subscribed.control;
    $('toolbar').hidden = false;
    $('chat').hidden = false;
    $('where').textContent = 'room ' + roomName + ' as ' + name;
    history.replaceState(null, '', '?room=' + encodeURIComponent(roomName) + '&name=' + encodeURIComponent(name));
  } catch (e) {
    showError('could not join: ' + e.message);
    leave();
  } finally {
    $('join').disabled = false;
  }
}

function stopSession(pc, control) {
  if (control && control.readyState === 'open') control.send('STOP');
  if (pc) pc.close();
}

async function toggleScreen() {
  if (room.screen) {
    stopSession(room.screen.pc, room.screen.control);
    room.screen.stream.getTracks().forEach(t => t.stop());
    room.screen = null;
    removeTile('screen');
    $('screen').textContent = 'Share screen';
    return;
  }

  try {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    const published = await publish(room.name, room.id + '-screen+' + Date.now(), stream, false);
    room.screen = { pc: published.pc, control: published.control, stream };
    tile('screen', room.id + ' (your screen)', true).stream.addTrack(stream.getVideoTracks()[0]);
    stream.getVideoTracks()[0].onended = () => room.screen && toggleScreen();
    $('screen').textContent = 'Stop sharing';
  } catch (e) {
    showError('could not share the screen: ' + e.message);
  }
}

function toggle(kind, button, on, off) {
  if (!room.local) return;
  const tracks = kind === 'audio' ? room.local.getAudioTracks() : room.local.getVideoTracks();
  const enabled = !tracks.every(t => t.enabled);
  tracks.forEach(t => { t.enabled = enabled; });
  button.textContent = enabled ? on : off;
}

function leave() {
  if (room.screen) toggleScreen();
  stopSession(room.pub, room.pubControl);
  stopSession(room.sub, room.subControl);
  if (room.local) room.local.getTracks().forEach(t => t.stop());
  for (const key of [...room.tiles.keys()]) removeTile(key);
  Object.assign(room, { pub: null, sub: null, local: null, pubControl: null, subControl: null, chatOut: null });
  $('toolbar').hidden = true;
  $('chat').hidden = true;
  $('where').textContent = 'room';
}

function sendChat() {
  const text = $('chat-text').value.trim();
  if (!text || !room.chatOut || room.chatOut.readyState !== 'open') return;
  room.chatOut.send(JSON.stringify({ from: room.id, text }));
  $('chat-text').value = '';
}

$('join').addEventListener('click', join);
$('leave').addEventListener('click', leave);
$('screen').addEventListener('click', toggleScreen);
$('mic').addEventListener('click', () => toggle('audio', $('mic'), 'Mute', 'Unmute'));
$('cam').addEventListener('click', () => toggle('video', $('cam'), 'Camera off', 'Camera on'));
$('send').addEventListener('click', sendChat);
window.addEventListener('pagehide', () => { stopSession(room.pub, room.pubControl); stopSession(room.sub, room.subControl); });

const query = new URLSearchParams(location.search);
$('room').value = query.get('room') || 'lobby';
$('name').value = query.get('name') || '';
