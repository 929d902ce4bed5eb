import { randomUUID } from 'node:crypto';
import Dockerode from 'dockerode';
import { buildContainerSpec } from '../src/drivers/docker/container-spec';
import { imageTag } from '../src/drivers/docker/images';
import { DEFAULT_FLAVORS } from '../src/db/stores/flavors';
import { Client } from './lib/client';
import { EngineProxy, engineSocketPath, startEngineProxy } from './lib/engine-proxy';
import { Novashim, sleep, startNovashim } from './lib/novashim';
import { mean, msSince, percentile } from './lib/stats';

/** label on the baseline's containers (value: this run's id), so cleanup removes exactly those */
export const BENCH_LABEL = 'org.openstack.novashim.bench';
const FLAVOR = DEFAULT_FLAVORS[0]; // m1.tiny: 512 MiB, 1 vCPU
/**
 * How boots through the API are watched. Polling is not free on a small machine: GET
 * /servers/{id} every 20 ms while a raw container starts (no API boot at all) measured that start
 * 729 → 819 ms p50 on 2 cores, and every 5 ms 923 ms; the engine's start is that sensitive to
 * any other runnable process, and the raw baseline polls nothing. So the sequential figure held
 * against the target takes the moment of ACTIVE from the server itself (OS-SRV-USG:launched_at,
 * written by the same update that makes it ACTIVE) while the client polls only every
 * SERVER_SIDE_POLL_MS; a shorter series times what a client polling every POLL_MS sees, with its
 * wait and its interference, against its own interleaved raw baseline. Deletes are polled every
 * POLL_MS; a batch of 50 lists up to 50 servers each time, so batches poll every BATCH_POLL_MS
 * (≤ 100 ms on a wall of tens of seconds).
 */
export const SERVER_SIDE_POLL_MS = 250;
export const POLL_MS = 20;
export const BATCH_POLL_MS = 100;

export interface Series {
  readonly n: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly meanMs: number;
  /** first request to last server ACTIVE (or gone) */
  readonly wallMs: number;
}

export interface BootResults {
  readonly engine: { version: string; apiVersion: string; ncpu: number; memTotalMb: number; os: string };
  /** ACTIVE as the server recorded it (launched_at), the client polling every SERVER_SIDE_POLL_MS */
  readonly sequential: { api: Series; raw: Series; ratioP50: number; ratioMean: number };
  /** ACTIVE as a client polling every `pollMs` saw it */
  readonly sequentialPolled: { pollMs: number; api: Series; raw: Series; ratioP50: number; ratioMean: number };
  readonly concurrent: Record<string, { api: Series; raw: Series; ratioWall: number; ratioP50: number }>;
  readonly deleteSequential: { api: Series; raw: Series; ratioP50: number };
  readonly deleteConcurrent: Record<string, { api: Series; raw: Series; ratioWall: number }>;
  /** engine requests novashim made while serving list/show requests (must be 0), and admin host views */
  readonly engineCalls: { listAndShow: number; listAndShowRequests: number; hypervisorsAndServices: number; hypervisorsAndServicesRequests: number; seen: string[] };
  readonly rssMb: { idle: number; afterBoots: number };
}

function series(latencies: number[], wallMs = Math.max(...latencies)): Series {
  return { n: latencies.length, p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95), meanMs: mean(latencies), wallMs };
}

/**
 * Boot and delete through the API of a novashim child process (real Docker driver) against raw
 * dockerode create+start+inspect / remove of the same image with the same limits (the driver's
 * own container spec, same network), interleaved so both see the same engine load.
 */
export async function bootBench(opts: { sequential: number; observed: number; concurrency: number[]; log: (line: string) => void }): Promise<BootResults> {
  const socket = engineSocketPath();
  if (!socket) throw new Error('the boot bench needs a local engine (DOCKER_HOST unix://…)');
  const docker = new Dockerode({ socketPath: socket });
  const runId = randomUUID();
  const proxy: EngineProxy = await startEngineProxy(socket);
  let ns: Novashim | null = null;
  let client: Client | null = null;
  const apiServers = new Set<string>();
  try {
    const [version, info] = await Promise.all([docker.version(), docker.info()]);
    // a long host poll interval keeps periodic engine polls out of the engine-call count below
    ns = await startNovashim({ NOVASHIM_DRIVER: 'docker', DOCKER_HOST: proxy.dockerHost, NOVASHIM_HOST_POLL_INTERVAL: '3600' });
    client = await Client.login(ns.url);
    await client.unlimitedQuotas();
    const imageRef = await client.imageId('busybox');
    const idleRss = ns.rssMb();
    const c = client;
    const tag = imageTag(imageRef);
    const network = process.env.NOVASHIM_PRIVATE_NETWORK || 'novashim-private';
    const ncpu = Number(info.NCPU ?? 0);

    /** `observedMs`: POST to the first poll that shows ACTIVE; `activeMs`: POST to the server's own launched_at */
    const apiBoot = async (pollMs: number): Promise<{ id: string; observedMs: number; activeMs: number }> => {
      const wall0 = Date.now();
      const t0 = process.hrtime.bigint();
      const id = await c.createServer(`bench-${apiServers.size}`, imageRef, FLAVOR.id);
      apiServers.add(id);
      for (;;) {
        const server = await c.server(id);
        if (server?.status === 'ACTIVE') {
          const observedMs = msSince(t0);
          const activeMs = Date.parse(`${server['OS-SRV-USG:launched_at']}Z`) - wall0;
          if (!(activeMs > 0 && activeMs <= observedMs + 1)) throw new Error(`server ${id}: launched_at ${server['OS-SRV-USG:launched_at']} is not between the POST and the poll`);
          return { id, observedMs, activeMs };
        }
        if (server === null || server.status === 'ERROR') throw new Error(`server ${id} went ${server?.status ?? 404}: ${JSON.stringify(server)}`);
        await sleep(pollMs);
      }
    };
    const apiDelete = async (id: string): Promise<number> => {
      const t0 = process.hrtime.bigint();
      await c.ok('DELETE', `/compute/v2.1/servers/${id}`);
      while ((await c.status(id)) !== 404) await sleep(POLL_MS);
      apiServers.delete(id);
      return msSince(t0);
    };
    const rawBoot = async (t0 = process.hrtime.bigint()): Promise<{ container: Dockerode.Container; ms: number }> => {
      const uuid = randomUUID();
      const spec = buildContainerSpec({
        instance: { uuid, projectId: 'bench', hostname: 'bench', metadata: {}, driverState: null },
        flavor: FLAVOR, imageTag: tag, pidsLimit: 1024, stopTimeoutSec: 10, hostCpus: ncpu, network: { name: network, ipv4: null },
      });
      const container = await docker.createContainer({ ...spec, name: `novashim-bench-${uuid}`, Labels: { [BENCH_LABEL]: runId } });
      await container.start();
      await container.inspect();
      return { container, ms: msSince(t0) };
    };
    const rawRemove = async (container: Dockerode.Container, t0 = process.hrtime.bigint()): Promise<number> => {
      await container.remove({ force: true, v: true });
      return msSince(t0);
    };

    // warm-up: the first boot loads the image into the engine and creates the private network
    opts.log('boot: warm-up');
    await apiDelete((await apiBoot(POLL_MS)).id);
    await rawRemove((await rawBoot()).container);

    /** n API boots (timed by `timing`) and n raw ones, interleaved in alternating order so that neither side always boots next to one more container */
    const sequentialSeries = async (n: number, pollMs: number, timing: 'activeMs' | 'observedMs') => {
      const run = { api: [] as number[], raw: [] as number[], ids: [] as string[], containers: [] as Dockerode.Container[] };
      for (let i = 0; i < n; i++) {
        const raw = async () => { const r = await rawBoot(); run.raw.push(r.ms); run.containers.push(r.container); };
        const api = async () => { const a = await apiBoot(pollMs); run.api.push(a[timing]); run.ids.push(a.id); };
        if (i % 2 === 0) { await raw(); await api(); } else { await api(); await raw(); }
      }
      return run;
    };
    opts.log(`boot: sequential x${opts.observed}, watched by polling every ${POLL_MS} ms`);
    const watched = await sequentialSeries(opts.observed, POLL_MS, 'observedMs');
    for (const id of watched.ids) await apiDelete(id);
    for (const container of watched.containers) await rawRemove(container);
    opts.log(`boot: sequential x${opts.sequential}, ACTIVE from launched_at`);
    const seq = await sequentialSeries(opts.sequential, SERVER_SIDE_POLL_MS, 'activeMs');

    // no list or show request may touch the engine (nor, with the host poll, os-hypervisors/os-services)
    opts.log('boot: engine calls of list and show requests');
    await sleep(200);
    const before = proxy.requests.length;
    let listAndShowRequests = 0;
    for (const version of [undefined, '2.1', '2.16', 'latest']) {
      for (let i = 0; i < 3; i++) {
        await c.ok('GET', '/compute/v2.1/servers/detail', undefined, version);
        await c.ok('GET', '/compute/v2.1/servers', undefined, version);
        await c.ok('GET', `/compute/v2.1/servers/${seq.ids[i % seq.ids.length]}`, undefined, version);
        await c.ok('GET', '/compute/v2.1/servers/detail?all_tenants=1', undefined, version);
        listAndShowRequests += 4;
      }
    }
    const afterList = proxy.requests.length;
    let hostRequests = 0;
    for (const version of ['2.1', 'latest']) {
      for (const path of ['/os-hypervisors/detail', '/os-hypervisors', '/os-services']) {
        await c.ok('GET', `/compute/v2.1${path}`, undefined, version);
        hostRequests += 1;
      }
    }
    const afterHosts = proxy.requests.length;
    const engineCalls = {
      listAndShow: afterList - before, listAndShowRequests,
      hypervisorsAndServices: afterHosts - afterList, hypervisorsAndServicesRequests: hostRequests,
      seen: proxy.requests.slice(before, afterHosts).slice(0, 20),
    };
    const afterBootsRss = ns.rssMb();

    opts.log(`boot: sequential delete x${opts.sequential}`);
    const del = { api: [] as number[], raw: [] as number[] };
    for (let i = 0; i < opts.sequential; i++) {
      del.raw.push(await rawRemove(seq.containers[i]));
      del.api.push(await apiDelete(seq.ids[i]));
    }

    const concurrent: BootResults['concurrent'] = {};
    const deleteConcurrent: BootResults['deleteConcurrent'] = {};
    for (const n of opts.concurrency) {
      opts.log(`boot: concurrent x${n}`);
      // each batch starts on an engine without the other side's containers (n running containers
      // on the bridge slow the next n starts down), so the baseline is booted and removed first
      const t0 = process.hrtime.bigint();
      const raws = await Promise.all(Array.from({ length: n }, () => rawBoot(t0)));
      const rawSeries = series(raws.map((r) => r.ms), msSince(t0));
      const d0 = process.hrtime.bigint();
      const rawDel = await Promise.all(raws.map((r) => rawRemove(r.container, d0)));
      const rawDelSeries = series(rawDel, msSince(d0));
      const api = await apiBatch(c, n, imageRef, apiServers);
      concurrent[`x${n}`] = { api: api.boot, raw: rawSeries, ratioWall: api.boot.wallMs / rawSeries.wallMs, ratioP50: api.boot.p50Ms / rawSeries.p50Ms };
      const apiDel = await apiBatchDelete(c, api.ids, apiServers);
      deleteConcurrent[`x${n}`] = { api: apiDel, raw: rawDelSeries, ratioWall: apiDel.wallMs / rawDelSeries.wallMs };
    }

    const apiSeq = series(seq.api, seq.api.reduce((a, b) => a + b, 0));
    const rawSeq = series(seq.raw, seq.raw.reduce((a, b) => a + b, 0));
    const apiWatched = series(watched.api, watched.api.reduce((a, b) => a + b, 0));
    const rawWatched = series(watched.raw, watched.raw.reduce((a, b) => a + b, 0));
    const apiDelSeq = series(del.api, del.api.reduce((a, b) => a + b, 0));
    const rawDelSeq = series(del.raw, del.raw.reduce((a, b) => a + b, 0));
    return {
      engine: { version: version.Version, apiVersion: version.ApiVersion, ncpu, memTotalMb: Math.round(Number(info.MemTotal ?? 0) / 2 ** 20), os: `${info.OperatingSystem ?? ''} ${info.KernelVersion ?? ''}`.trim() },
      sequential: { api: apiSeq, raw: rawSeq, ratioP50: apiSeq.p50Ms / rawSeq.p50Ms, ratioMean: apiSeq.meanMs / rawSeq.meanMs },
      sequentialPolled: { pollMs: POLL_MS, api: apiWatched, raw: rawWatched, ratioP50: apiWatched.p50Ms / rawWatched.p50Ms, ratioMean: apiWatched.meanMs / rawWatched.meanMs },
      concurrent,
      deleteSequential: { api: apiDelSeq, raw: rawDelSeq, ratioP50: apiDelSeq.p50Ms / rawDelSeq.p50Ms },
      deleteConcurrent,
      engineCalls,
      rssMb: { idle: idleRss, afterBoots: afterBootsRss },
    };
  } finally {
    if (client && apiServers.size) {
      for (const id of apiServers) await client.call('DELETE', `/compute/v2.1/servers/${id}`).catch(() => undefined);
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const left = await client.statuses().catch(() => new Map());
        if (![...apiServers].some((id) => left.has(id))) break;
        await sleep(200);
      }
    }
    await ns?.stop();
    await proxy.close();
    // the baseline's containers of this run only
    const mine = await docker.listContainers({ all: true, filters: { label: [`${BENCH_LABEL}=${runId}`] } }).catch(() => []);
    await Promise.all(mine.map((m) => docker.getContainer(m.Id).remove({ force: true }).catch(() => undefined)));
  }
}

/** n servers through the API at once (n POSTs in parallel), each timed to the first /servers/detail that shows it ACTIVE */
async function apiBatch(c: Client, n: number, imageRef: string, tracked: Set<string>): Promise<{ boot: Series; ids: string[] }> {
  const t0 = process.hrtime.bigint();
  const ids = await Promise.all(Array.from({ length: n }, async (_, i) => {
    const id = await c.createServer(`bench-c${n}-${i}`, imageRef, FLAVOR.id);
    tracked.add(id);
    return id;
  }));
  const done = new Map<string, number>();
  while (done.size < n) {
    const seen = await c.statuses();
    const now = msSince(t0);
    for (const id of ids) {
      const s = seen.get(id);
      if (s?.status === 'ACTIVE' && !done.has(id)) done.set(id, now);
      if (s?.status === 'ERROR') throw new Error(`server ${id} went ERROR: ${JSON.stringify(s.fault)}`);
    }
    if (done.size < n) await sleep(BATCH_POLL_MS);
  }
  return { boot: series([...done.values()], msSince(t0)), ids };
}

async function apiBatchDelete(c: Client, ids: string[], tracked: Set<string>): Promise<Series> {
  const t0 = process.hrtime.bigint();
  await Promise.all(ids.map((id) => c.ok('DELETE', `/compute/v2.1/servers/${id}`)));
  const gone = new Map<string, number>();
  while (gone.size < ids.length) {
    const seen = await c.statuses();
    const now = msSince(t0);
    for (const id of ids) {
      if (!seen.has(id) && !gone.has(id)) {
        gone.set(id, now);
        tracked.delete(id);
      }
    }
    if (gone.size < ids.length) await sleep(BATCH_POLL_MS);
  }
  return series([...gone.values()], msSince(t0));
}
