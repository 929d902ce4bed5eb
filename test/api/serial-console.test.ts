import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import pino from 'pino';
import WebSocket from 'ws';
import { makeTestApp, TestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';
import { API as api, as, bootServer, expectFault, useComputeApp } from '../helpers/compute-app';
import { buildApp } from '../../src/app';
import { silentLogger, Logger } from '../../src/log';
import { FakeDriver } from '../../src/drivers/fake/driver';
import { DriverCapabilities, DriverFlavor, DriverImage, DriverInstance, DriverState } from '../../src/drivers/driver';
import { RemoteConsoleService } from '../../src/compute/remote-consoles';
import { ConsoleTokenStore } from '../../src/db/stores/console-tokens';
import { serveSerialConsoles, SerialConsoleProxy } from '../../src/console/serial-proxy';

/** spawn fails for "doomed"; destroy waits for the test to let it go (a server stays DELETING) */
class ConsoleTestDriver extends FakeDriver {
  private releaseDestroy: (() => void) | null = null;
  holdDestroys = false;

  override async spawn(instance: DriverInstance, image: DriverImage, flavor: DriverFlavor): Promise<DriverState> {
    if (instance.hostname === 'doomed') throw new Error('engine said no');
    return super.spawn(instance, image, flavor);
  }

  override async destroy(instance: DriverInstance): Promise<void> {
    if (this.holdDestroys) await new Promise<void>((resolve) => { this.releaseDestroy = resolve; });
    return super.destroy(instance);
  }

  release(): void {
    this.holdDestroys = false;
    this.releaseDestroy?.();
  }
}

class NoSerialDriver extends FakeDriver {
  override readonly capabilities: DriverCapabilities = Object.freeze({ ...new FakeDriver().capabilities, serialConsole: false });
}

interface Served {
  readonly base: string;
  readonly proxy: SerialConsoleProxy;
  close(): Promise<void>;
}

/** the test app on a real HTTP server (port 0) with the console websocket wired as main.ts does */
async function serve(t: TestApp, consoles = t.services.consoles, log: Logger = silentLogger()): Promise<Served> {
  const server = http.createServer(buildApp(t.config, log, t.services).callback());
  const proxy = serveSerialConsoles(server, consoles, log);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `ws://127.0.0.1:${port}`, proxy,
    close: async () => {
      proxy.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Outcome = { opened: WebSocket } | { refused: number; body: string } | { failed: string };

/** opens a websocket; resolves on open or with the HTTP status of a refused upgrade */
function connect(url: string, protocols: string[] = ['binary']): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols);
    ws.once('open', () => resolve({ opened: ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ refused: res.statusCode ?? 0, body }));
    });
    ws.once('error', (err) => resolve({ failed: err.message }));
  });
}

async function open(url: string): Promise<WebSocket> {
  const outcome = await connect(url);
  if (!('opened' in outcome)) throw new Error(`expected the console to open, got ${JSON.stringify(outcome)}`);
  return outcome.opened;
}

async function refusedWith(url: string): Promise<number> {
  const outcome = await connect(url);
  if ('opened' in outcome) {
    outcome.opened.terminate();
    throw new Error('expected the upgrade to be refused, but the console opened');
  }
  if ('failed' in outcome) throw new Error(`expected an HTTP refusal, got ${outcome.failed}`);
  return outcome.refused;
}

/** the next binary message, or throws after `ms` */
function nextMessage(ws: WebSocket, ms = 2000): Promise<{ data: Buffer; binary: boolean }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message from the console')), ms);
    ws.once('message', (data: Buffer, binary: boolean) => { clearTimeout(timer); resolve({ data, binary }); });
  });
}

function closed(ws: WebSocket, ms = 2000): Promise<number> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve(-1);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the console stayed open')), ms);
    ws.once('close', (code) => { clearTimeout(timer); resolve(code); });
  });
}

describe('compute API: os-getSerialConsole and the console websocket', () => {
  const driver = new ConsoleTestDriver();
  let id: string;
  let served: Served;
  // registered before the app's own after(), so the HTTP server closes before the app does
  after(async () => { await served.close(); });
  const c = useComputeApp({ driver });
  const { boot } = c;
  /** boots a server on another app (one with its own image) */
  const bootOn = async (app: TestApp) => bootServer(app, await insertImage(app.db, app.projects.admin));

  const getConsole = (server: string, body: unknown = { type: 'serial' }, token = c.t.tokens.demo, app = c.t) =>
    app.request.post(`${api}/servers/${server}/action`).set(as(token)).send({ 'os-getSerialConsole': body });

  /** a fresh console URL for the server, pointed at the test's HTTP server */
  async function consoleUrl(server = id, base = served.base): Promise<string> {
    const res = await getConsole(server);
    expect(res.status, res.text).to.equal(200);
    const url = new URL(res.body.console.url);
    return `${base}${url.pathname}${url.search}`;
  }

  const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

  before(async () => {
    id = await boot();
    served = await serve(c.t);
  });

  describe('the action', () => {
    it('answers 200 {"console": {"type": "serial", "url": "ws://…/compute/serial-console?token=…"}}', async () => {
      const res = await getConsole(id);
      expect(res.status).to.equal(200);
      expect(res.body).to.have.all.keys('console');
      expect(res.body.console).to.have.all.keys('type', 'url');
      expect(res.body.console.type).to.equal('serial');
      // the test app's publicUrl is http://novashim.test
      expect(res.body.console.url).to.match(/^ws:\/\/novashim\.test\/compute\/serial-console\?token=[A-Za-z0-9_-]{43}$/);
    });

    it('hands out a different token each time, stored only as its SHA-256, bound to the server', async () => {
      const a = tokenOf((await getConsole(id)).body.console.url);
      const b = tokenOf((await getConsole(id)).body.console.url);
      expect(a).to.not.equal(b);
      const rows = await c.t.db('console_auth_tokens').select();
      const hashA = createHash('sha256').update(a).digest('hex');
      const row = rows.find((r) => r.token_hash === hashA);
      expect(row, 'a row keyed by the hash').to.not.equal(undefined);
      expect(row.instance_uuid).to.equal(id);
      expect(row.console_type).to.equal('serial');
      expect(JSON.stringify(rows)).to.not.include(a).and.not.include(b);
    });

    it('builds wss:// behind an https public URL, keeping its path', async () => {
      const tls = await makeTestApp({ driver: new FakeDriver(), config: { publicUrl: 'https://cloud.example:8443/nova' } });
      try {
        const server = await bootOn(tls);
        const res = await getConsole(server, { type: 'serial' }, tls.tokens.demo, tls);
        expect(res.body.console.url).to.match(/^wss:\/\/cloud\.example:8443\/nova\/compute\/serial-console\?token=/);
      } finally {
        await tls.close();
      }
    });

    for (const body of [{ type: 'novnc' }, { type: 'SERIAL' }, {}, { type: 'serial', port: 1 }, null]) {
      it(`refuses ${JSON.stringify(body)} with 400 (Nova's schema: type must be "serial")`, async () => {
        expectFault(await getConsole(id, body), 400, 'badRequest');
      });
    }

    it("answers 404 for a server that does not exist or is another project's; an admin may", async () => {
      const missing = await getConsole(randomUUID());
      expect(missing.status).to.equal(404);
      const foreign = await getConsole(id, { type: 'serial' }, c.t.tokens.alt);
      expectFault(foreign, 404, 'itemNotFound', `Instance ${id} could not be found.`);
      expect((await getConsole(id, { type: 'serial' }, c.t.tokens.admin)).status).to.equal(200);
    });

    it('answers 403 to a project reader (policy: project member or admin)', async () => {
      const res = await getConsole(id, { type: 'serial' }, c.t.tokens.reader);
      expect(res.status).to.equal(403);
    });

    it('answers 409 InstanceNotReady for a server without a container (spawn failed)', async () => {
      const doomed = await boot('doomed');
      const res = await getConsole(doomed);
      expectFault(res, 409, 'conflictingRequest', `Instance ${doomed} is not ready`);
    });

    it('answers 409 InstanceNotReady for a SHUTOFF server', async () => {
      const stopped = await boot();
      expect((await c.t.request.post(`${api}/servers/${stopped}/action`).set(as(c.t.tokens.demo)).send({ 'os-stop': null })).status).to.equal(202);
      await c.t.services.tasks.idle();
      const res = await getConsole(stopped);
      expectFault(res, 409, 'conflictingRequest', `Instance ${stopped} is not ready`);
    });

    it('answers 409 while the server is being deleted', async () => {
      const doomed = await boot();
      driver.holdDestroys = true;
      try {
        expect((await c.t.request.delete(`${api}/servers/${doomed}`).set(as(c.t.tokens.demo))).status).to.equal(204);
        const res = await getConsole(doomed);
        expectFault(res, 409, 'conflictingRequest', `Cannot 'get_serial_console' instance ${doomed} while it is in task_state deleting`);
      } finally {
        driver.release();
        await c.t.services.tasks.idle();
      }
    });

    it('answers 501 when the driver has no serial console', async () => {
      const bare = await makeTestApp({ driver: new NoSerialDriver() });
      try {
        const server = await bootOn(bare);
        const res = await getConsole(server, { type: 'serial' }, bare.tokens.demo, bare);
        expect(res.status).to.equal(501);
        expect(res.body).to.deep.equal({ notImplemented: { code: 501, message: 'The requested functionality is not supported.' } });
      } finally {
        await bare.close();
      }
    });

    it('answers 400 "Unavailable console type serial." when serial consoles are disabled', async () => {
      const off = await makeTestApp({ driver: new FakeDriver(), config: { serialConsole: 'disabled' } });
      try {
        const server = await bootOn(off);
        const res = await getConsole(server, { type: 'serial' }, off.tokens.demo, off);
        expectFault(res, 400, 'badRequest', 'Unavailable console type serial.');
      } finally {
        await off.close();
      }
    });
  });

  describe('the websocket', () => {
    it('relays binary frames both ways (the fake console echoes) and answers with the binary subprotocol', async () => {
      const ws = await open(await consoleUrl());
      try {
        expect(ws.protocol).to.equal('binary');
        const reply = nextMessage(ws);
        ws.send(Buffer.from([0x68, 0x69, 0x00, 0xff, 0x0a]));
        const { data, binary } = await reply;
        expect(binary).to.equal(true);
        expect([...data]).to.deep.equal([0x68, 0x69, 0x00, 0xff, 0x0a]);
        // a text frame is typed as its UTF-8 bytes; the answer is still binary
        const echoed = nextMessage(ws);
        ws.send('ls\n');
        expect((await echoed).data.toString()).to.equal('ls\n');
      } finally {
        ws.close();
      }
    });

    it('takes a token once: a second connection with it is refused with 401', async () => {
      const url = await consoleUrl();
      const first = await open(url);
      try {
        expect(await refusedWith(url)).to.equal(401);
      } finally {
        first.close();
      }
      expect(await refusedWith(url), 'not after the first one closed either').to.equal(401);
    });

    it('refuses a missing, wrong or truncated token with 401, and a path it does not serve with 404', async () => {
      const url = new URL(await consoleUrl());
      const token = url.searchParams.get('token')!;
      expect(await refusedWith(`${served.base}/compute/serial-console`)).to.equal(401);
      expect(await refusedWith(`${served.base}/compute/serial-console?token=`)).to.equal(401);
      expect(await refusedWith(`${served.base}/compute/serial-console?token=${token.slice(1)}`)).to.equal(401);
      expect(await refusedWith(`${served.base}/compute/serial-console?token=${token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`)).to.equal(401);
      expect(await refusedWith(`${served.base}/compute/other?token=${token}`)).to.equal(404);
      // none of those used it up
      (await open(url.toString())).close();
    });

    it("takes the token from a cookie at /websockify too (websockify clients such as tempest's create_websocket)", async () => {
      const token = tokenOf(await consoleUrl());
      const ws = new WebSocket(`${served.base}/websockify`, ['binary'], { headers: { Cookie: `token=${token}` } });
      await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
      const reply = nextMessage(ws);
      ws.send(Buffer.from('via cookie'));
      expect((await reply).data.toString()).to.equal('via cookie');
      ws.close();
      expect(await refusedWith(`${served.base}/websockify`), 'no token at all').to.equal(401);
    });

    it('does not burn the token on a handshake that is not a websocket one', async () => {
      const url = await consoleUrl();
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(url.replace(/^ws:/, 'http:'), { headers: { Connection: 'Upgrade', Upgrade: 'h2c' } });
        req.on('response', (res) => { res.resume(); resolve(res.statusCode ?? 0); });
        req.on('upgrade', (res, socket) => { socket.destroy(); resolve(res.statusCode ?? 0); });
        req.on('error', reject);
        req.end();
      });
      expect(status).to.equal(400);
      (await open(url)).close();
    });

    it('refuses a token after its lifetime (clock moved past the TTL), accepts it just before', async () => {
      const ttlMs = c.t.config.consoleTokenTtlSec * 1000;
      expect(ttlMs, 'default 10 minutes').to.equal(600_000);
      const at = (offsetMs: number) => new RemoteConsoleService({
        config: c.t.config, compute: c.t.services.compute, instances: c.t.services.instances, drivers: c.t.services.drivers,
        tokens: new ConsoleTokenStore(c.t.db), clock: () => new Date(Date.now() + offsetMs),
      });
      const late = await serve(c.t, at(ttlMs + 1000));
      const early = await serve(c.t, at(ttlMs - 5000));
      try {
        expect(await refusedWith(await consoleUrl(id, late.base))).to.equal(401);
        (await open(await consoleUrl(id, early.base))).close();
      } finally {
        await late.close();
        await early.close();
      }
    });

    it('closes the websocket when the server stops, and releases the console when the client goes', async () => {
      const server = await boot();
      const ws = await open(await consoleUrl(server));
      expect(driver.openConsoles(server)).to.equal(1);
      const gone = closed(ws);
      expect((await c.t.request.post(`${api}/servers/${server}/action`).set(as(c.t.tokens.demo)).send({ 'os-stop': null })).status).to.equal(202);
      await c.t.services.tasks.idle();
      expect(await gone).to.equal(1000);

      const again = await open(await consoleUrl(id));
      const before = driver.openConsoles(id);
      again.close();
      await closed(again);
      for (let i = 0; i < 50 && driver.openConsoles(id) >= before; i++) await new Promise((r) => setTimeout(r, 10));
      expect(driver.openConsoles(id)).to.equal(before - 1);
    });

    it('answers 409 on connect when the server stopped after the URL was handed out, 404 once it is gone', async () => {
      const server = await boot();
      const stoppedUrl = await consoleUrl(server);
      const deletedUrl = await consoleUrl(server);
      await c.t.request.post(`${api}/servers/${server}/action`).set(as(c.t.tokens.demo)).send({ 'os-stop': null });
      await c.t.services.tasks.idle();
      expect(await refusedWith(stoppedUrl)).to.equal(409);
      await c.t.request.delete(`${api}/servers/${server}`).set(as(c.t.tokens.demo));
      await c.t.services.tasks.idle();
      expect(await refusedWith(deletedUrl)).to.equal(404);
    });

    it('never logs a token: not the upgrade, not a refusal, not a plain GET of the URL', async () => {
      const lines: string[] = [];
      const sink = new Writable({ write(chunk, _enc, done) { lines.push(chunk.toString()); done(); } });
      const log = pino({ level: 'debug' }, sink);
      const logged = await serve(c.t, c.t.services.consoles, log);
      try {
        const url = await consoleUrl(id, logged.base);
        const ws = await open(url);
        ws.close();
        await closed(ws);
        expect(await refusedWith(url)).to.equal(401);
        const token = tokenOf(url);
        await new Promise<void>((resolve) => { http.get(url.replace(/^ws:/, 'http:'), (res) => { res.resume(); res.on('end', resolve); }); });
        const all = lines.join('');
        expect(all).to.include('serial console connected').and.include('serial console refused').and.include('token=***');
        expect(all).to.not.include(token);
      } finally {
        await logged.close();
      }
    });
  });
});
