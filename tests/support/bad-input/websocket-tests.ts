import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { type PartaError } from '@parta/sdk';
import { MAX_SYNC_POSITIONS, MAX_WS_FRAME_BYTES, WS_CLOSE } from '@parta/protocol';
import { server, main, victimLogin, fx, freshClientId } from './state.js';
import { manyIds } from './bodies.js';
import { invalidUtf8Body } from './http.js';
import { Probe } from './probe.js';

/* The WebSocket tests of tests/api/bad-input.test.ts: bad frames, closes, message sizes, messaging frames. */

/** The tests of the describe 'WebSocket'. */
export function websocketTests(): void {
  it('answers a malformed JSON frame with malformed_json and stays open; a valid hello then works', async () => {
    const p = new Probe();
    await p.opened();
    expect((await p.error('{"type":')).code).toBe('malformed_json');
    expect((await p.error('')).code).toBe('malformed_json');
    expect(p.ws.readyState).toBe(WebSocket.OPEN);
    const welcome = await p.hello(main.token);
    expect(welcome.type).toBe('session.welcome');
    expect((await p.error('not json at all')).code).toBe('malformed_json');
    const pong = p.next();
    p.ws.send(JSON.stringify({ type: 'session.ping', nonce: 'n1' }));
    expect(await pong).toMatchObject({ type: 'session.pong', nonce: 'n1' });
    p.ws.close();
  });

  it('answers an unknown frame type with validation_failed', async () => {
    const p = new Probe();
    await p.opened();
    for (const frame of ['{"type":"bogus.frame","text":"hi"}', '{}', '[]', 'null', '42', '"session.hello"', '{"type":7}']) {
      const error = await p.error(frame);
      expect(error.code, frame).toBe('validation_failed');
      expect((error.details?.issues as { path: string }[])[0]!.path, frame).toBe('type');
    }
    expect(p.ws.readyState).toBe(WebSocket.OPEN);
    p.ws.close();
  });

  it('answers a hello with wrong types or extra fields with validation_failed', async () => {
    const p = new Probe();
    await p.opened();
    const cases: [unknown, string][] = [
      [{ type: 'session.hello', token: 42 }, 'token'],
      [{ type: 'session.hello' }, 'token'],
      [{ type: 'session.hello', token: '' }, 'token'],
      [{ type: 'session.hello', token: 'x'.repeat(201) }, 'token'],
      [{ type: 'session.hello', token: main.token, featureLevel: 'one' }, 'featureLevel'],
      [{ type: 'session.hello', token: main.token, admin: true }, ''],
    ];
    for (const [frame, path] of cases) {
      const error = await p.error(JSON.stringify(frame));
      expect(error.code, JSON.stringify(frame)).toBe('validation_failed');
      expect((error.details?.issues as { path: string }[])[0]!.path, JSON.stringify(frame)).toBe(path);
    }
    expect((await p.hello(main.token)).type).toBe('session.welcome');
    const again = await p.error(JSON.stringify({ type: 'session.hello', token: main.token }));
    expect(again.code).toBe('validation_failed');
    p.ws.close();
  });

  it(`closes with 1009 on a frame over ${MAX_WS_FRAME_BYTES} bytes`, async () => {
    const p = new Probe();
    await p.opened();
    p.ws.send(JSON.stringify({ type: 'session.ping', nonce: 'x'.repeat(MAX_WS_FRAME_BYTES + 1) }));
    expect((await p.closed).code).toBe(WS_CLOSE.tooLarge);
  });

  it('closes with 1007 on a text frame that is not valid UTF-8', async () => {
    const p = new Probe();
    await p.opened();
    p.ws.send(Buffer.from(invalidUtf8Body('type')), { binary: false });
    expect((await p.closed).code).toBe(WS_CLOSE.invalidPayload);
  });

  it('closes with 1003 on a binary frame', async () => {
    const p = new Probe();
    await p.opened();
    p.ws.send(Buffer.from(JSON.stringify({ type: 'session.hello', token: main.token })), { binary: true });
    expect((await p.closed).code).toBe(WS_CLOSE.unsupportedData);
  });

  it('closes with 4401 on a ping before hello', async () => {
    const p = new Probe();
    await p.opened();
    p.ws.send(JSON.stringify({ type: 'session.ping', nonce: 'early' }));
    expect((await p.closed).code).toBe(WS_CLOSE.unauthenticated);
    expect(p.frames).toEqual([]);
  });

  it.each([
    ['forged', 'pt_' + 'A'.repeat(43)],
    ['garbage', 'not-a-token'],
    ['logged-out', null],
  ])('closes with 4401 on a hello with a %s token', async (_what, given) => {
    let token = given;
    if (token === null) {
      const c = await server.login(victimLogin);
      token = c.token!;
      await c.logout();
    }
    const p = new Probe();
    await p.opened();
    p.ws.send(JSON.stringify({ type: 'session.hello', token }));
    expect((await p.closed).code).toBe(WS_CLOSE.unauthenticated);
    expect(p.frames).toEqual([]);
  });

  it.each(['/api/v1/other', '/ws', '/api/v1/ws/extra', '/api/v2/ws', '/api/v1/WS'])(
    'refuses an upgrade on %s with 404',
    async (path) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}${path}`);
      const outcome = await new Promise<string>((resolve) => {
        ws.once('open', () => resolve('open'));
        ws.once('unexpected-response', (_req, res) => {
          resolve(`status ${res.statusCode}`);
          res.resume();
          ws.terminate();
        });
        ws.once('error', (err) => resolve(`error ${err.message}`));
      });
      expect(outcome).toBe('status 404');
    },
  );
}

/** The tests of the describe 'message size'. */
export function messageSizeTests(): void {
  it('answers a message text over 4,096 characters with 413 payload_too_large and the limit, on send and on edit', async () => {
    for (const text of ['я'.repeat(4097), 'x'.repeat(10_000)]) {
      const send = await main.client
        .sendMessage(fx.chat, { clientId: freshClientId(), text })
        .then(() => null)
        .catch((err: PartaError) => err);
      expect([send?.status, send?.code, send?.details?.limitChars]).toEqual([413, 'payload_too_large', 4096]);
      const edit = await main.client
        .editMessage(fx.chat, fx.editable, text)
        .then(() => null)
        .catch((err: PartaError) => err);
      expect([edit?.status, edit?.code]).toEqual([413, 'payload_too_large']);
    }
    // Exactly 4,096 characters is fine.
    expect((await main.client.sendMessage(fx.chat, { clientId: freshClientId(), text: 'я'.repeat(4096) })).duplicate).toBe(false);
  });
}

/** The tests of the describe 'WebSocket messaging frames'. */
export function websocketFrameTests(): void {
  /** A probe signed in as the main account. */
  async function signedIn(): Promise<Probe> {
    const p = new Probe();
    await p.opened();
    expect((await p.hello(main.token)).type).toBe('session.welcome');
    return p;
  }

  /** Sends each frame and expects validation_failed naming the field; the socket stays open. */
  async function refuses(p: Probe, cases: [unknown, string][]): Promise<void> {
    for (const [frame, path] of cases) {
      const json = JSON.stringify(frame);
      const error = await p.error(json);
      expect(error.code, json.slice(0, 200)).toBe('validation_failed');
      expect((error.details?.issues as { path: string }[])[0]!.path, json.slice(0, 200)).toBe(path);
    }
    expect(p.ws.readyState).toBe(WebSocket.OPEN);
  }

  it('answers message.send with missing, mistyped or over-long fields with validation_failed, and stays open', async () => {
    const p = await signedIn();
    const ok = { type: 'message.send', chatId: fx.chat, clientId: 'ws-bad-input-1', text: 'Привет' };
    await refuses(p, [
      [{ ...ok, chatId: undefined }, 'chatId'],
      [{ ...ok, chatId: String(fx.chat) }, 'chatId'],
      [{ ...ok, chatId: 0 }, 'chatId'],
      [{ ...ok, chatId: 1.5 }, 'chatId'],
      [{ ...ok, chatId: null }, 'chatId'],
      [{ ...ok, text: undefined }, 'text'],
      [{ ...ok, text: 42 }, 'text'],
      [{ ...ok, text: ' \n\t ' }, 'text'],
      [{ ...ok, clientId: undefined }, 'clientId'],
      [{ ...ok, clientId: 'short' }, 'clientId'],
      [{ ...ok, clientId: 'bad chars!' }, 'clientId'],
      [{ ...ok, clientId: 'x'.repeat(65) }, 'clientId'],
      [{ ...ok, replyToSeq: -1 }, 'replyToSeq'],
      [{ ...ok, replyToSeq: 2147483648 }, 'replyToSeq'],
      [{ ...ok, mentions: manyIds(101) }, 'mentions'],
      [{ ...ok, mentionAll: 'yes' }, 'mentionAll'],
      [{ ...ok, admin: true }, ''],
    ]);
    await p.ping('after-bad-sends');
    const tooLong = await p.error(JSON.stringify({ ...ok, text: 'я'.repeat(4097) }));
    expect([tooLong.code, tooLong.details?.limitChars]).toEqual(['payload_too_large', 4096]);
    expect(p.ws.readyState).toBe(WebSocket.OPEN);
    // 4,096 characters is the limit, not over it.
    const from = p.frames.length;
    p.ws.send(JSON.stringify({ ...ok, text: 'я'.repeat(4096) }));
    expect(await p.until('message.ack', from)).toMatchObject({ clientId: ok.clientId, chatId: fx.chat, duplicate: false });
    p.ws.close();
  });

  it('answers message.send to a chat the caller is not in, or that does not exist, with message.rejected not_found', async () => {
    const p = await signedIn();
    for (const chatId of [fx.foreign, 987654321, Number.MAX_SAFE_INTEGER]) {
      const from = p.frames.length;
      const clientId = `ws-not-mine-${chatId}`;
      p.ws.send(JSON.stringify({ type: 'message.send', chatId, clientId, text: 'Можно к вам?' }));
      const rejected = await p.until('message.rejected', from);
      expect(rejected).toMatchObject({ clientId, chatId, code: 'not_found' });
    }
    expect(p.frames.filter((f) => f.type === 'message.ack' || f.type === 'message.new')).toEqual([]);
    await p.ping('after-not-mine');
    p.ws.close();
    expect((await main.client.messages(fx.chat, { limit: 500 })).messages.map((m) => m.text)).not.toContain('Можно к вам?');
  });

  it('answers chat.sync with bad positions with validation_failed, and chats not the caller’s with not_found', async () => {
    const p = await signedIn();
    await refuses(p, [
      [{ type: 'chat.sync' }, 'positions'],
      [{ type: 'chat.sync', positions: {} }, 'positions'],
      [{ type: 'chat.sync', positions: [{ chatId: String(fx.chat), version: 0 }] }, 'positions.0.chatId'],
      [{ type: 'chat.sync', positions: [{ chatId: fx.chat }] }, 'positions.0.version'],
      [{ type: 'chat.sync', positions: [{ chatId: fx.chat, version: -1 }] }, 'positions.0.version'],
      [{ type: 'chat.sync', positions: [{ chatId: fx.chat, version: 2147483648 }] }, 'positions.0.version'],
      [{ type: 'chat.sync', positions: [{ chatId: fx.chat, version: 0, seq: 1 }] }, 'positions.0'],
    ]);
    for (const chatId of [fx.foreign, 987654321]) {
      const error = await p.error(JSON.stringify({ type: 'chat.sync', positions: [{ chatId, version: 0 }] }));
      expect(error).toMatchObject({ code: 'not_found', details: { chatId } });
    }
    // The largest version there is: nothing newer, the chat is caught up.
    const from = p.frames.length;
    p.ws.send(JSON.stringify({ type: 'chat.sync', positions: [{ chatId: fx.chat, version: 2147483647 }] }));
    expect(await p.until('chat.synced', from)).toEqual({
      type: 'chat.synced',
      chatId: fx.chat,
      throughVersion: 2147483647,
      hasMore: false,
    });
    await p.ping('after-sync');
    p.ws.close();
  });

  it('closes with 1009 on a chat.sync of 5,001 positions: it cannot fit in one frame', async () => {
    const p = await signedIn();
    const frame = JSON.stringify({ type: 'chat.sync', positions: manyIds(5001).map((chatId) => ({ chatId, version: 0 })) });
    expect(frame.length).toBeGreaterThan(MAX_WS_FRAME_BYTES);
    p.ws.send(frame);
    expect((await p.closed).code).toBe(WS_CLOSE.tooLarge);
  });

  it('refuses a chat.sync of more positions than one frame may carry with validation_failed, keeping the socket', async () => {
    const p = await signedIn();
    await refuses(p, [
      [{ type: 'chat.sync', positions: manyIds(MAX_SYNC_POSITIONS + 1).map((chatId) => ({ chatId, version: 0 })) }, 'positions'],
    ]);
    await p.ping('after-long-sync');
    p.ws.close();
  });

  it('answers chat.read, chat.typing and presence.query with bad fields with validation_failed', async () => {
    const p = await signedIn();
    await refuses(p, [
      [{ type: 'chat.read', chatId: fx.chat }, 'seq'],
      [{ type: 'chat.read', chatId: fx.chat, seq: 2147483648 }, 'seq'],
      [{ type: 'chat.read', chatId: fx.chat, seq: Number.MAX_SAFE_INTEGER }, 'seq'],
      [{ type: 'chat.read', chatId: fx.chat, seq: -1 }, 'seq'],
      [{ type: 'chat.read', chatId: fx.chat, seq: '1' }, 'seq'],
      [{ type: 'chat.read', seq: 1 }, 'chatId'],
      [{ type: 'chat.read', chatId: fx.chat, seq: 1, version: 1 }, ''],
      [{ type: 'chat.typing' }, 'chatId'],
      [{ type: 'chat.typing', chatId: 'all' }, 'chatId'],
      [{ type: 'chat.typing', chatId: fx.chat, text: 'h' }, ''],
      [{ type: 'presence.query' }, 'personIds'],
      [{ type: 'presence.query', personIds: [] }, 'personIds'],
      [{ type: 'presence.query', personIds: manyIds(501) }, 'personIds'],
      [{ type: 'presence.query', personIds: [String(fx.student)] }, 'personIds.0'],
    ]);
    await p.ping('after-bad-frames');
    p.ws.close();
  });

  it('answers chat.read and chat.typing in a chat the caller is not in with not_found', async () => {
    const p = await signedIn();
    for (const chatId of [fx.foreign, 987654321]) {
      expect((await p.error(JSON.stringify({ type: 'chat.read', chatId, seq: 1 }))).code).toBe('not_found');
      expect((await p.error(JSON.stringify({ type: 'chat.typing', chatId }))).code).toBe('not_found');
    }
    await p.ping('after-not-member');
    p.ws.close();
  });

  it('still serves the socket afterwards: a send is acknowledged and delivered', async () => {
    const p = await signedIn();
    const from = p.frames.length;
    p.ws.send(JSON.stringify({ type: 'message.send', chatId: fx.chat, clientId: 'ws-after-all', text: 'Всё работает' }));
    const ack = await p.until('message.ack', from);
    const fresh = await p.until('message.new', from);
    expect(fresh.message).toMatchObject({ chatId: fx.chat, seq: ack.seq, text: 'Всё работает' });
    p.ws.close();
  });
}
