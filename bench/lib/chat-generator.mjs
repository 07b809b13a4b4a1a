// Load generator for bench/chat.mjs. Runs as its own process (spawned with an IPC channel) so that
// its CPU is measured apart from the server's. The parent drives it with requests
// `{cmd, reqId, ...args}` and gets `{ev: 'reply', reqId, result}` or `{ev: 'reply', reqId, error}`;
// while a step runs it also gets `{ev: 'sending-done', stepId}` the moment the last send leaves.
//
// Clients are persons `from..to` with logins `b<person>`; with `membersPerChat` M, person p is in
// chat ceil(p / M) (persons are laid out chat by chat). Each client holds one WebSocket.
//
// The receive path is kept lean: a delivery is recognised by its first bytes and its send time,
// sender and step are read straight from the raw frame (the text embeds `~t=<ms>;s=<person>;p=<step>;`),
// with no JSON.parse and no string made. Latencies go into a fixed histogram.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** Timer lateness; its samples include the 5 ms period itself, subtracted when reported. */
const LOOP_RES_MS = 5;
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RES_MS });
loopDelay.enable();

const origin = performance.timeOrigin;
const nowMs = () => origin + performance.now();

// ---------------------------------------------------------------------------------------------
// Histograms: 0.05 ms buckets up to 2 s, then 10 ms buckets up to 120 s, then one overflow bucket.
const FINE_RES = 0.05;
const FINE_N = 40_000; // 2,000 ms
const COARSE_RES = 10;
const COARSE_N = 11_800; // 2 s .. 120 s

function histogram() {
  const buckets = new Uint32Array(FINE_N + COARSE_N + 1);
  return {
    count: 0,
    max: 0,
    reset() {
      buckets.fill(0);
      this.count = 0;
      this.max = 0;
    },
    record(ms) {
      if (ms < 0) ms = 0;
      let b;
      if (ms < FINE_N * FINE_RES) b = (ms / FINE_RES) | 0;
      else {
        b = FINE_N + (((ms - FINE_N * FINE_RES) / COARSE_RES) | 0);
        if (b > FINE_N + COARSE_N) b = FINE_N + COARSE_N;
      }
      buckets[b]++;
      this.count++;
      if (ms > this.max) this.max = ms;
    },
    /** The q-quantile (0..1) in ms: the middle of the bucket holding it; null when empty. */
    quantile(q) {
      if (this.count === 0) return null;
      const want = Math.max(1, Math.ceil(q * this.count));
      let seen = 0;
      for (let b = 0; b < buckets.length; b++) {
        seen += buckets[b];
        if (seen >= want) {
          if (b < FINE_N) return (b + 0.5) * FINE_RES;
          if (b < FINE_N + COARSE_N) return FINE_N * FINE_RES + (b - FINE_N + 0.5) * COARSE_RES;
          return this.max;
        }
      }
      return this.max;
    },
  };
}

/** Send → delivery at another member. */
const deliveryHist = histogram();
/** Send → the sender's ack. */
const ackHist = histogram();

// ---------------------------------------------------------------------------------------------
// Clients.

/** @type {{p:number, login:string, token:string|null, chatId:number, chatSize:number, sock:net.Socket|null, pending:Buffer|null, open:boolean}[]} */
let clients = [];
/** Clients in send order: one member of each chat in turn, so consecutive sends go to different chats. */
let sendOrder = [];
let closedTotal = 0;
const closeCodes = {};

// Per step counters (the current step).
let stepId = -1;
let acked = 0;
let rejected = 0;
const rejectedCodes = {};
let expected = 0;
let received = 0;
let ownCopies = 0;
let stale = 0;
let otherFrames = 0;
const otherTypes = {};
let closedInStep = 0;

const PREFIX = Buffer.from('{"type":"message.');
const PLEN = PREFIX.length;
const MARK = Buffer.from('~t=');
const CID_KEY = Buffer.from('"clientId":"q');

let pos = 0;
/** Reads a non-negative decimal number (digits with an optional fraction) at `at`; leaves `pos` after it. */
function readNumber(buf, at) {
  let v = 0;
  let i = at;
  let c = buf[i];
  while (c >= 48 && c <= 57) {
    v = v * 10 + (c - 48);
    c = buf[++i];
  }
  if (c === 46) {
    let scale = 0.1;
    c = buf[++i];
    while (c >= 48 && c <= 57) {
      v += (c - 48) * scale;
      scale *= 0.1;
      c = buf[++i];
    }
  }
  pos = i;
  return v;
}

// Frame handlers take the frame's payload as `buf[s..e)`: the chunk read from the socket, not a copy.

function onDelivery(c, buf, s, e) {
  const i = buf.indexOf(MARK, s + PLEN);
  if (i < 0 || i >= e) {
    otherFrames++;
    return;
  }
  const t = readNumber(buf, i + 3);
  // `;s=`
  const sender = readNumber(buf, pos + 3);
  // `;p=`
  const step = readNumber(buf, pos + 3);
  if (sender === c.p) {
    ownCopies++;
    return;
  }
  if (step !== stepId) {
    stale++;
    return;
  }
  received++;
  deliveryHist.record(nowMs() - t);
}

// Client ids are `q<step>_<person>_<counter>_<send time in µs>`.
function onAck(c, buf, s, e) {
  const i = buf.indexOf(CID_KEY, s + PLEN);
  if (i < 0 || i >= e || readNumber(buf, i + CID_KEY.length) !== stepId) {
    stale++;
    return;
  }
  readNumber(buf, pos + 1); // person
  readNumber(buf, pos + 1); // counter
  const sentUs = readNumber(buf, pos + 1);
  acked++;
  expected += c.chatSize - 1;
  ackHist.record(nowMs() - sentUs / 1000);
}

function onRejected(text) {
  let code = 'unknown';
  let step = -1;
  try {
    const f = JSON.parse(text);
    code = String(f.code);
    const m = /^q(\d+)_/.exec(String(f.clientId));
    if (m) step = Number(m[1]);
  } catch {
    // counted as unknown
  }
  if (step !== stepId) {
    stale++;
    return;
  }
  rejected++;
  rejectedCodes[code] = (rejectedCodes[code] ?? 0) + 1;
}

function onOther(text) {
  otherFrames++;
  let type = 'unparsable';
  try {
    const f = JSON.parse(text);
    type = f.type === 'session.error' ? `session.error:${f.code}` : String(f.type);
  } catch {
    // keep 'unparsable'
  }
  otherTypes[type] = (otherTypes[type] ?? 0) + 1;
}

/** A text frame from the server once the socket is authenticated. */
function onText(c, buf, s, e) {
  if (e - s > PLEN + 3 && PREFIX.compare(buf, s, s + PLEN, 0, PLEN) === 0) {
    const k = buf[s + PLEN];
    if (k === 110 /* n */ && buf[s + PLEN + 1] === 101 /* e */ && buf[s + PLEN + 2] === 119 /* w */)
      return onDelivery(c, buf, s, e);
    if (k === 97 /* a */) return onAck(c, buf, s, e);
    if (k === 114 /* r */) return onRejected(buf.toString('utf8', s, e));
  }
  onOther(buf.toString('utf8', s, e));
}

// ---------------------------------------------------------------------------------------------
// A minimal WebSocket client on a raw TCP socket: the handshake, unmasked server frames parsed in
// place in the chunks read, client frames masked with a zero key (which leaves the payload as it
// is, so a frame is one buffer: header + text). Frames are never fragmented by the server.

const OP_TEXT = 1;
const OP_CLOSE = 8;
const OP_PING = 9;

/** A client frame (FIN set, masked with the key 0) holding `payload` (a string of `len` bytes or a Buffer). */
function clientFrame(opcode, payload) {
  const isString = typeof payload === 'string';
  const len = isString ? Buffer.byteLength(payload) : payload.length;
  const hdr = len < 126 ? 6 : len < 65536 ? 8 : 14;
  const frame = Buffer.allocUnsafe(hdr + len);
  frame[0] = 0x80 | opcode;
  if (len < 126) frame[1] = 0x80 | len;
  else if (len < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(len, 6);
  }
  frame.writeUInt32BE(0, hdr - 4);
  if (isString) frame.write(payload, hdr, 'utf8');
  else payload.copy(frame, hdr);
  return frame;
}

/** Sends a text frame on a client's socket. */
function sendText(c, text) {
  c.sock.write(clientFrame(OP_TEXT, text));
}

/**
 * Every socket reads into this one buffer (net's `onread`): a read is handled before the next, so no
 * buffer is allocated per read; only a frame split across reads is copied out.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/** Parses the frames in `chunk` (after any partial frame kept from before) and hands each to `onFrame(opcode, buf, s, e)`. */
function parseFrames(c, chunk, onFrame) {
  let buf = chunk;
  if (c.pending) {
    buf = Buffer.concat([c.pending, chunk]);
    c.pending = null;
  }
  const len = buf.length;
  let off = 0;
  while (len - off >= 2) {
    const b0 = buf[off];
    const b1 = buf[off + 1];
    let plen = b1 & 0x7f;
    let hdr = 2;
    if (plen === 126) {
      if (len - off < 4) break;
      plen = buf.readUInt16BE(off + 2);
      hdr = 4;
    } else if (plen === 127) {
      if (len - off < 10) break;
      plen = buf.readUInt32BE(off + 2) * 2 ** 32 + buf.readUInt32BE(off + 6);
      hdr = 10;
    }
    if (b1 & 0x80) hdr += 4; // a masked server frame would be a protocol error; skip its key anyway
    if (len - off < hdr + plen) break;
    const s = off + hdr;
    off = s + plen;
    onFrame(b0 & 0x0f, buf, s, off);
    if (c.sock === null) return;
  }
  // The rest of a frame: copied, since the read buffer is reused.
  if (off < len) c.pending = Buffer.from(buf.subarray(off, len));
}

/**
 * Opens a client's socket: TCP connect, upgrade, `session.hello`; resolves at `session.welcome`.
 * Afterwards text frames go to `onText`, pings are answered, and a close is recorded.
 */
function connectOne(c, url, timeoutMs) {
  return new Promise((resolve, reject) => {
    const onRead = (n, buf) => {
      if (state !== 'handshake') {
        parseFrames(c, buf.subarray(0, n), onFrame);
        return;
      }
      head += buf.toString('latin1', 0, n);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!head.startsWith('HTTP/1.1 101')) return fail(`upgrade refused: ${head.split('\r\n', 1)[0]}`);
      state = 'hello';
      sendText(c, `{"type":"session.hello","token":"${c.token}"}`);
      const rest = Buffer.from(head.slice(end + 4), 'latin1');
      head = '';
      if (rest.length) parseFrames(c, rest, onFrame);
    };
    const sock = net.connect({
      host: url.hostname,
      port: Number(url.port),
      noDelay: true,
      onread: { buffer: READ_BUFFER, callback: onRead },
    });
    c.sock = sock;
    c.pending = null;
    let state = 'handshake'; // → 'hello' → 'open' → 'closed'
    let head = '';
    let closeCode = 1006;
    const fail = (message) => {
      if (state === 'closed') return;
      const wasOpen = state === 'open';
      state = 'closed';
      clearTimeout(timer);
      c.open = false;
      c.sock = null;
      sock.destroy();
      if (wasOpen) {
        closedTotal++;
        closedInStep++;
        closeCodes[closeCode] = (closeCodes[closeCode] ?? 0) + 1;
      } else reject(new Error(message));
    };
    const timer = setTimeout(() => fail('no session.welcome in time'), timeoutMs);
    const onFrame = (opcode, buf, s, e) => {
      if (opcode === OP_TEXT) {
        if (state === 'open') return onText(c, buf, s, e);
        const text = buf.toString('utf8', s, e);
        if (!text.startsWith('{"type":"session.welcome"')) return fail(`expected session.welcome, got ${text.slice(0, 120)}`);
        state = 'open';
        clearTimeout(timer);
        c.open = true;
        resolve();
      } else if (opcode === OP_PING) {
        sock.write(clientFrame(0x0a, buf.subarray(s, e)));
      } else if (opcode === OP_CLOSE) {
        closeCode = e - s >= 2 ? buf.readUInt16BE(s) : 1005;
        if (state !== 'open') return fail(`closed with ${closeCode} before welcome: ${buf.toString('utf8', s + 2, e)}`);
        sock.end(clientFrame(OP_CLOSE, buf.subarray(s, Math.min(e, s + 2))));
        fail('closed');
      } else if (opcode !== 0x0a) {
        otherFrames++;
      }
    };
    sock.on('connect', () => {
      const key = randomBytes(16).toString('base64');
      sock.write(
        `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    sock.on('error', (err) => fail(err.message));
    sock.on('close', () => fail('socket closed'));
  });
}

// ---------------------------------------------------------------------------------------------
// Commands.

function postJson(agent, url, body) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(body);
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': data.length } },
      (res) => {
        const chunks = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
          else resolve(JSON.parse(text));
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function runPool(n, concurrency, work) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

/** Signs every client in with the development login; concurrent, over keep-alive connections. */
async function login({ baseUrl, from, to, membersPerChat, concurrency }) {
  clients = [];
  for (let p = from; p <= to; p++) {
    const chatId = membersPerChat > 0 ? Math.ceil(p / membersPerChat) : 0;
    clients.push({ p, login: `b${p}`, token: null, chatId, chatSize: membersPerChat, sock: null, pending: null, open: false });
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL('/api/v1/auth/dev-login', baseUrl);
  let failures = 0;
  let lastError = null;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await runPool(clients.length, concurrency, async (i) => {
    const c = clients[i];
    for (let attempt = 0; attempt < 3 && c.token === null; attempt++) {
      try {
        const r = await postJson(agent, url, `{"login":"${c.login}","deviceName":"bench"}`);
        c.token = r.token;
      } catch (err) {
        failures++;
        lastError = err.message;
      }
    }
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  const missing = clients.filter((c) => c.token === null).length;
  return { n: clients.length, seconds, failures, missing, lastError, cpuPct: ((cpu.user + cpu.system) / 1e6 / seconds) * 100 };
}

/** Opens every client's socket and says hello; resolves once each has its welcome (or failed). */
async function connect({ wsUrl, concurrency }) {
  const url = new URL(wsUrl);
  let failures = 0;
  let lastError = null;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await runPool(clients.length, concurrency, async (i) => {
    const c = clients[i];
    if (c.token === null) {
      failures++;
      return;
    }
    try {
      await connectOne(c, url, 30_000);
    } catch (err) {
      failures++;
      lastError = err.message;
    }
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuPct = ((cpu.user + cpu.system) / 1e6 / seconds) * 100;
  // Send order: member k of every chat, then member k+1 of every chat, …
  const byChat = new Map();
  for (const c of clients) {
    if (!byChat.has(c.chatId)) byChat.set(c.chatId, []);
    byChat.get(c.chatId).push(c);
  }
  const lists = [...byChat.values()];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  sendOrder = [];
  for (let k = 0; k < longest; k++) for (const l of lists) if (k < l.length) sendOrder.push(l[k]);
  return { n: clients.length, open: clients.filter((c) => c.open).length, seconds, failures, lastError, cpuPct };
}

const FILLER = 'Homework for tomorrow: exercises 12-15 on page 42, and read chapter 3';
let clientSeq = 1_000_000;

/**
 * Sends `rate` messages a second for `seconds`, spread evenly over the clients (round robin in
 * `sendOrder`) and over time (a tick every 5 ms sends what is due), then waits up to `drainMs`
 * for the answers and deliveries of what was sent. Returns the step's counts and latencies.
 */
async function step({ id, rate, seconds, drainMs }) {
  stepId = id;
  acked = 0;
  rejected = 0;
  for (const k of Object.keys(rejectedCodes)) delete rejectedCodes[k];
  for (const k of Object.keys(otherTypes)) delete otherTypes[k];
  expected = 0;
  received = 0;
  ownCopies = 0;
  stale = 0;
  otherFrames = 0;
  closedInStep = 0;
  deliveryHist.reset();
  ackHist.reset();
  loopDelay.reset();

  const total = Math.round(rate * seconds);
  const order = sendOrder;
  let sent = 0;
  let skipped = 0;
  let cursor = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const prefix = `","text":"~t=`;
  const stepPart = `;p=${id}; ${FILLER}"}`;
  const cidPrefix = `,"clientId":"q${id}_`;
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((rate * (performance.now() - t0)) / 1000));
      while (sent < due) {
        const c = order[cursor];
        cursor = cursor + 1 === order.length ? 0 : cursor + 1;
        sent++;
        if (!c.open) {
          skipped++;
          continue;
        }
        const t = nowMs();
        sendText(
          c,
          '{"type":"message.send","chatId":' +
            c.chatId +
            cidPrefix +
            c.p +
            '_' +
            clientSeq++ +
            '_' +
            Math.round(t * 1000) +
            prefix +
            t.toFixed(3) +
            ';s=' +
            c.p +
            stepPart,
        );
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 5);
    };
    tick();
  });
  const sendWall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  process.send({ ev: 'sending-done', stepId: id });
  const attempted = sent - skipped;

  const drainStart = performance.now();
  while (performance.now() - drainStart < drainMs) {
    if (acked + rejected >= attempted && received >= expected) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const drainSeconds = (performance.now() - drainStart) / 1000;
  const cpuAll = process.cpuUsage(cpu0);
  const round = (v) => (v === null ? null : Math.round(v * 100) / 100);
  return {
    id,
    target: rate,
    seconds: sendWall,
    sent: attempted,
    skipped,
    acked,
    rejected,
    rejectedCodes: { ...rejectedCodes },
    unanswered: Math.max(0, attempted - acked - rejected),
    expected,
    received,
    lost: expected - received,
    ownCopies,
    stale,
    otherFrames,
    otherTypes: { ...otherTypes },
    closedInStep,
    closedTotal,
    closeCodes: { ...closeCodes },
    p50: round(deliveryHist.quantile(0.5)),
    p95: round(deliveryHist.quantile(0.95)),
    p99: round(deliveryHist.quantile(0.99)),
    max: round(deliveryHist.count ? deliveryHist.max : null),
    latencySamples: deliveryHist.count,
    ackP50: round(ackHist.quantile(0.5)),
    ackP99: round(ackHist.quantile(0.99)),
    // How late this process's own event loop ran (a busy generator inflates the latencies it measures).
    loopDelayP99: round(loopDelay.count ? Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_RES_MS) : null),
    loopDelayMax: round(loopDelay.count ? Math.max(0, loopDelay.max / 1e6 - LOOP_RES_MS) : null),
    drainSeconds,
    cpuPct: ((cpu.user + cpu.system) / 1000 / (sendWall * 1000)) * 100,
    cpuPctWithDrain: ((cpuAll.user + cpuAll.system) / 1000 / ((performance.now() - t0) * 1)) * 100,
  };
}

async function closeAll() {
  for (const c of clients) {
    c.open = false;
    c.sock?.destroy();
    c.sock = null;
  }
  return { closed: clients.length };
}

async function status() {
  return { open: clients.filter((c) => c.open).length, closedTotal, closeCodes: { ...closeCodes } };
}

const commands = { login, connect, step, status, closeAll };

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
// The parent went away: nothing left to do.
process.on('disconnect', () => process.exit(0));
