import autocannon from 'autocannon';
import { authBody, Client } from './lib/client';
import { Novashim, sleep, startNovashim } from './lib/novashim';
import { percentile } from './lib/stats';

export interface Endpoint {
  readonly name: string;
  readonly servers: number | null;
  /** one connection: the latency of a request alone (p50/p95/p99, ms) */
  readonly latency: { p50Ms: number; p95Ms: number; p99Ms: number; samples: number };
  /** `connections` connections: requests per second */
  readonly throughputRps: number;
  readonly non2xx: number;
  /** p50 against the baseline route's p50, measured in the same process */
  readonly ratioP50: number;
  /** throughput of the baseline over this one's */
  readonly ratioThroughput: number;
}

export interface ApiResults {
  readonly driver: 'fake';
  readonly durationSec: number;
  readonly connections: number;
  readonly baseline: Omit<Endpoint, 'ratioP50' | 'ratioThroughput'>;
  readonly endpoints: Endpoint[];
  readonly rssMb: { idle: number; with1000Servers: number };
}

interface Target {
  readonly path: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/**
 * Latency and throughput of the read API with autocannon against a novashim child process. The
 * 100 and 1,000 servers are created through the API with the in-memory fake driver (1,000
 * containers do not fit on a small machine, and list/show never ask the driver anyway); the
 * baseline is the unauthenticated version document (GET /compute/) of the same process.
 */
export async function apiBench(opts: { durationSec: number; connections: number; log: (line: string) => void }): Promise<ApiResults> {
  let ns: Novashim | null = null;
  try {
    ns = await startNovashim({ NOVASHIM_DRIVER: 'fake' });
    const c = await Client.login(ns.url);
    await c.unlimitedQuotas();
    const imageRef = await c.imageId('busybox');
    await sleep(1000);
    const idleRss = ns.rssMb();
    const auth = { 'x-auth-token': c.token };
    const measure = async (name: string, servers: number | null, target: Target) => {
      opts.log(`api: ${name}`);
      const single = await cannon(ns!.url, target, 1, opts.durationSec);
      const loaded = await cannon(ns!.url, target, opts.connections, opts.durationSec);
      return { name, servers, latency: single.latency, throughputRps: loaded.rps, non2xx: single.non2xx + loaded.non2xx };
    };

    const baseline = await measure('GET /compute/ (baseline: version document)', null, { path: '/compute/' });
    const rows: Omit<Endpoint, 'ratioP50' | 'ratioThroughput'>[] = [];
    rows.push(await measure('GET /servers/detail', 0, { path: '/compute/v2.1/servers/detail', headers: auth }));
    rows.push(await measure('GET /flavors/detail', null, { path: '/compute/v2.1/flavors/detail', headers: auth }));
    rows.push(await measure('POST /v3/auth/tokens', null, {
      path: '/identity/v3/auth/tokens', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(authBody('admin', 'admin', 'admin')),
    }));
    await createServers(c, imageRef, 100);
    rows.push(await measure('GET /servers/detail', 100, { path: '/compute/v2.1/servers/detail', headers: auth }));
    await createServers(c, imageRef, 900);
    const some = (await c.ok('GET', '/compute/v2.1/servers?limit=1')).servers[0].id as string;
    rows.push(await measure('GET /servers/detail', 1000, { path: '/compute/v2.1/servers/detail', headers: auth }));
    rows.push(await measure('GET /servers/detail (2.79)', 1000, { path: '/compute/v2.1/servers/detail', headers: { ...auth, 'openstack-api-version': 'compute 2.79' } }));
    rows.push(await measure('GET /servers/{id}', 1000, { path: `/compute/v2.1/servers/${some}`, headers: auth }));
    rows.push(await measure('GET /servers/{id} (2.79)', 1000, { path: `/compute/v2.1/servers/${some}`, headers: { ...auth, 'openstack-api-version': 'compute 2.79' } }));
    const with1000 = ns.rssMb();
    return {
      driver: 'fake', durationSec: opts.durationSec, connections: opts.connections, baseline,
      endpoints: rows.map((r) => ({ ...r, ratioP50: r.latency.p50Ms / baseline.latency.p50Ms, ratioThroughput: baseline.throughputRps / r.throughputRps })),
      rssMb: { idle: idleRss, with1000Servers: with1000 },
    };
  } finally {
    await ns?.stop();
  }
}

/** `count` servers in batches of 100 (max_count), waited for until all are ACTIVE */
async function createServers(c: Client, imageRef: string, count: number): Promise<void> {
  for (let made = 0; made < count; made += 100) await c.createServer(`bench-${made}`, imageRef, '1', Math.min(100, count - made));
  for (;;) {
    const all = [...(await c.statuses()).values()];
    if (all.some((s) => s.status === 'ERROR')) throw new Error('a bench server went ERROR');
    if (all.every((s) => s.status === 'ACTIVE')) return;
    await sleep(100);
  }
}

async function cannon(url: string, target: Target, connections: number, durationSec: number) {
  const latencies: number[] = [];
  // autocannon's instance is an event emitter and a promise of the result (lib/init.js)
  const instance = autocannon({
    url: `${url}${target.path}`, method: target.method ?? 'GET', headers: target.headers, body: target.body,
    connections, duration: durationSec,
  }) as unknown as autocannon.Instance & Promise<autocannon.Result>;
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => { latencies.push(responseTime); });
  const result = await instance;
  return {
    latency: { p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95), p99Ms: percentile(latencies, 99), samples: latencies.length },
    rps: result.requests.average,
    non2xx: result.non2xx + result.errors + result.timeouts,
  };
}
