// One abusive client for bench/flood.mjs, in its own process (spawned with an IPC channel) so that
// its CPU is not the load generator's. `{cmd: 'start', reqId, baseUrl, wsUrl, login, chatId, personIds}`
// signs in and floods: every frame type in turn, as fast as TCP takes them (it waits only while the
// socket pushes back), over one socket; when the server closes it, it reconnects at once and goes on.
// `{cmd: 'stop', reqId}` stops and answers with what it counted.
import { randomBytes } from 'node:crypto';
import net from 'node:net';

let running = false;
let token = null;
let sock = null;
const counts = { framesSent: 0, refused: 0, otherErrors: 0, answered: 0, connections: 0, closes: 0, closeCodes: {} };

/** A client frame masked with the key 0 (the payload stays as it is). */
function clientFrame(opcode, text) {
  const payload = Buffer.from(text);
  const n = payload.length;
  const hdr = n < 126 ? 6 : n < 65536 ? 8 : 14;
  const frame = Buffer.alloc(hdr + n);
  frame[0] = 0x80 | opcode;
  if (n < 126) frame[1] = 0x80 | n;
  else if (n < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(n, 6);
  }
  payload.copy(frame, hdr);
  return frame;
}

/** Every frame type a client may send, and some it may not; message.send gets a fresh client id each time. */
function frameTexts(chatId, personIds) {
  const positions = [{ chatId, version: 0 }, ...personIds.map((id) => ({ chatId: 900_000_000 + id, version: 0 }))];
  return [
    (i) => JSON.stringify({ type: 'message.send', chatId, clientId: `flood-${process.pid}-${i}`, text: 'flood' }),
    (i) => JSON.stringify({ type: 'message.send', chatId: 987_654_321, clientId: `floodx-${process.pid}-${i}`, text: 'flood' }),
    () => '{"type":"session.ping","nonce":"flood"}',
    () => JSON.stringify({ type: 'chat.typing', chatId }),
    () => JSON.stringify({ type: 'chat.read', chatId, seq: 1 }),
    () => JSON.stringify({ type: 'presence.query', personIds }),
    () => JSON.stringify({ type: 'chat.sync', positions }),
    () => '{"type":"session.hello","token":"pt_not-a-token"}',
    () => '{"type":"no.such.frame"}',
    () => '{not json',
  ];
}

async function signIn(baseUrl, login) {
  const res = await fetch(new URL('/api/v1/auth/dev-login', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, deviceName: 'flooder' }),
  });
  if (!res.ok) throw new Error(`sign-in of ${login}: HTTP ${res.status}`);
  return (await res.json()).token;
}

/** Counts the server's answers: refusals (`rate_limited`), other errors, everything else. */
function onText(text) {
  if (text.includes('"rate_limited"')) counts.refused++;
  else if (text.startsWith('{"type":"session.error"') || text.startsWith('{"type":"message.rejected"')) counts.otherErrors++;
  else counts.answered++;
}

/** One connection: upgrade, hello, flood until closed. Resolves when the socket is gone. */
function floodOnce(url, makers) {
  return new Promise((resolve) => {
    const s = net.connect({ host: url.hostname, port: Number(url.port), noDelay: true });
    sock = s;
    let upgraded = false;
    let welcomed = false;
    let buf = Buffer.alloc(0);
    let i = 0;
    // Writes a batch, then lets the event loop run (to read the server's answers) before the next
    // one; while the socket pushes back, waits for 'drain'.
    const pump = () => {
      for (let k = 0; k < 64 && running && !s.destroyed; k++) {
        const ok = s.write(clientFrame(1, makers[i % makers.length](i)));
        i++;
        counts.framesSent++;
        if (!ok) return; // 'drain' calls pump again
      }
      if (running && !s.destroyed) setImmediate(pump);
    };
    s.on('drain', pump);
    s.on('connect', () => {
      counts.connections++;
      s.write(
        `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    s.on('data', (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        upgraded = true;
        buf = buf.subarray(end + 4);
        s.write(clientFrame(1, JSON.stringify({ type: 'session.hello', token })));
        counts.framesSent++;
      }
      while (buf.length >= 2) {
        let len = buf[1] & 0x7f;
        let hdr = 2;
        if (len === 126) {
          if (buf.length < 4) break;
          len = buf.readUInt16BE(2);
          hdr = 4;
        } else if (len === 127) {
          if (buf.length < 10) break;
          len = buf.readUInt32BE(6);
          hdr = 10;
        }
        if (buf.length < hdr + len) break;
        const op = buf[0] & 0x0f;
        const payload = buf.subarray(hdr, hdr + len);
        buf = buf.subarray(hdr + len);
        if (op === 1) {
          const text = payload.toString('utf8');
          // Signed in: the flood starts (a frame sent before the welcome would only close the socket).
          if (!welcomed && text.startsWith('{"type":"session.welcome"')) {
            welcomed = true;
            setImmediate(pump);
          } else onText(text);
        } else if (op === 8) {
          // Recorded, not answered: the server must end the connection by itself.
          const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
          counts.closeCodes[code] = (counts.closeCodes[code] ?? 0) + 1;
        }
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      counts.closes++;
      resolve();
    });
  });
}

async function start({ baseUrl, wsUrl, login, chatId, personIds }) {
  token = await signIn(baseUrl, login);
  running = true;
  const url = new URL(wsUrl);
  const makers = frameTexts(chatId, personIds);
  void (async () => {
    while (running) await floodOnce(url, makers);
  })();
  return { started: true };
}

async function stop() {
  running = false;
  sock?.destroy();
  return { ...counts, closeCodes: { ...counts.closeCodes } };
}

const commands = { start, stop };

process.on('message', (m) => {
  const fn = commands[m.cmd];
  if (!fn) {
    process.send({ ev: 'reply', reqId: m.reqId, error: `unknown command ${m.cmd}` });
    return;
  }
  fn(m).then(
    (result) => process.send({ ev: 'reply', reqId: m.reqId, result }),
    (err) =>
      process.send({ ev: 'reply', reqId: m.reqId, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
