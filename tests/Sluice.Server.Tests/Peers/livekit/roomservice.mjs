// LiveKit's server SDK (livekit-server-sdk) as an app would call it, for Sluice's tests:
//   node roomservice.mjs URL token '[room, identity, {grants}]'     -> {"token": "..."}
//   node roomservice.mjs URL <RoomServiceClient method> '[args...]'  -> {"ok": result} or {"error": {code, status, message}}
// The API key and secret are LiveKit's development pair unless LK_KEY / LK_SECRET say otherwise.
import { AccessToken, DataPacket_Kind, RoomServiceClient } from 'livekit-server-sdk';

const [, , url, method, argsJson] = process.argv;
const key = process.env.LK_KEY ?? 'devkey';
const secret = process.env.LK_SECRET ?? 'secret';
const args = JSON.parse(argsJson ?? '[]');
const json = value => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? Number(v) : v));

try {
  if (method === 'token') {
    const [room, identity, grants] = args;
    const token = new AccessToken(key, secret, { identity, name: identity, ttl: '1h' });
    token.addGrant({ roomJoin: true, room, ...(grants ?? {}) });
    console.log(json({ token: await token.toJwt() }));
  } else {
    if (method === 'sendData') {
      // [room, text, 'reliable' | 'lossy', options]
      args[1] = new TextEncoder().encode(args[1]);
      args[2] = args[2] === 'lossy' ? DataPacket_Kind.LOSSY : DataPacket_Kind.RELIABLE;
    }
    const client = new RoomServiceClient(url, key, secret);
    const result = await client[method](...args);
    console.log(json({ ok: result ?? null }));
  }
} catch (e) {
  console.log(json({ error: { code: e.code ?? null, status: e.status ?? null, message: e.message } }));
}
