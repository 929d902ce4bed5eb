import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiBench, ApiResults } from './api';
import { BATCH_POLL_MS, bootBench, BootResults, POLL_MS, SERVER_SIDE_POLL_MS } from './boot';
import { REPO } from './lib/novashim';
import { round } from './lib/stats';

/**
 * `npm run bench`: boot/delete through the API against raw dockerode (real engine), then read API
 * latency and throughput with autocannon; writes bench/results/<time>.json and latest.json and
 * prints a table with PASS/MISS per target of issue 6.
 *
 * Options (environment): BENCH_ONLY=boot|api, BENCH_SEQUENTIAL (30), BENCH_POLLED (10), BENCH_CONCURRENCY ("20,50"),
 * BENCH_DURATION (seconds per autocannon run, 5), BENCH_CONNECTIONS (10).
 */
interface Target { readonly name: string; readonly limit: string; readonly measured: number | null; readonly pass: boolean | null }

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY ?? '';
  const log = (line: string) => process.stderr.write(`  ${line}\n`);
  const started = new Date();
  const loadBefore = os.loadavg()[0];
  const boot = only === 'api' ? null : await bootBench({
    sequential: Number(process.env.BENCH_SEQUENTIAL ?? 30),
    observed: Number(process.env.BENCH_POLLED ?? 10),
    concurrency: (process.env.BENCH_CONCURRENCY ?? '20,50').split(',').map(Number),
    log,
  });
  const api = only === 'boot' ? null : await apiBench({
    durationSec: Number(process.env.BENCH_DURATION ?? 5), connections: Number(process.env.BENCH_CONNECTIONS ?? 10), log,
  });
  const results = {
    startedAt: started.toISOString(),
    machine: {
      cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', memTotalMb: Math.round(os.totalmem() / 2 ** 20), node: process.version, kernel: os.release(),
      engine: boot?.engine ?? null, loadAverage: { before: loadBefore, after: os.loadavg()[0] },
    },
    boot, api,
    targets: targets(boot, api),
  };
  const dir = path.join(REPO, 'bench/results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
  const json = `${JSON.stringify(results, (_k, v) => (typeof v === 'number' ? round(v, 3) : v), 2)}\n`;
  fs.writeFileSync(file, json);
  fs.writeFileSync(path.join(dir, 'latest.json'), json);
  console.log(report(results.machine, boot, api, results.targets));
  console.log(`\nresults: ${path.relative(process.cwd(), file)} (and bench/results/latest.json)`);
  if (results.targets.some((t) => t.pass === false)) process.exitCode = 1;
}

function targets(boot: BootResults | null, api: ApiResults | null): Target[] {
  const t = (name: string, limit: string, measured: number | null, ok: (n: number) => boolean): Target =>
    ({ name, limit, measured, pass: measured === null ? null : ok(measured) });
  const c50 = boot?.concurrent.x50;
  const detail1000 = api?.endpoints.find((e) => e.name === 'GET /servers/detail' && e.servers === 1000);
  return [
    t('boot overhead, sequential (p50 API at launched_at / p50 raw)', '<= 1.10', boot ? boot.sequential.ratioP50 : null, (n) => n <= 1.10),
    t('boot overhead, 50 concurrent (wall API / wall raw)', '<= 1.20', c50 ? c50.ratioWall : null, (n) => n <= 1.20),
    t('GET /servers/detail, 1,000 servers, p50 (ms)', '<= 20', detail1000 ? detail1000.latency.p50Ms : null, (n) => n <= 20),
    t('engine requests made by list/show requests', '= 0', boot ? boot.engineCalls.listAndShow : null, (n) => n === 0),
    t('idle RSS (MiB, Docker driver)', '<= 100', boot ? boot.rssMb.idle : api ? api.rssMb.idle : null, (n) => n <= 100),
  ];
}

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? String(round(c, 2)) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  const line = (r: (string | number)[]) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function report(machine: { cpus: number; cpuModel: string; memTotalMb: number; node: string; kernel: string; engine: BootResults['engine'] | null; loadAverage: { before: number; after: number } },
  boot: BootResults | null, api: ApiResults | null, tgs: Target[]): string {
  const out: string[] = [];
  out.push(`machine: ${machine.cpus} x ${machine.cpuModel}, ${machine.memTotalMb} MiB, Linux ${machine.kernel}, Node ${machine.node}` +
    (machine.engine ? `, Docker ${machine.engine.version} (API ${machine.engine.apiVersion})` : '') +
    `; 1-min load average ${round(machine.loadAverage.before, 2)} before, ${round(machine.loadAverage.after, 2)} after (other work on the machine skews every figure)`);
  if (boot) {
    out.push('\nBoot (create -> ACTIVE) and delete (-> 404) through the API, Docker driver, vs raw dockerode on the same engine (ms)');
    const p = boot.sequentialPolled;
    const rows: (string | number)[][] = [
      ['boot sequential (launched_at)', boot.sequential.api.n, boot.sequential.api.p50Ms, boot.sequential.api.p95Ms, boot.sequential.raw.p50Ms, boot.sequential.raw.p95Ms, '-', '-', boot.sequential.ratioP50],
      [`boot sequential (polled ${p.pollMs} ms)`, p.api.n, p.api.p50Ms, p.api.p95Ms, p.raw.p50Ms, p.raw.p95Ms, '-', '-', p.ratioP50],
    ];
    for (const [k, v] of Object.entries(boot.concurrent)) rows.push([`boot concurrent ${k}`, v.api.n, v.api.p50Ms, v.api.p95Ms, v.raw.p50Ms, v.raw.p95Ms, v.api.wallMs, v.raw.wallMs, v.ratioWall]);
    rows.push(['delete sequential', boot.deleteSequential.api.n, boot.deleteSequential.api.p50Ms, boot.deleteSequential.api.p95Ms, boot.deleteSequential.raw.p50Ms, boot.deleteSequential.raw.p95Ms, '-', '-', boot.deleteSequential.ratioP50]);
    for (const [k, v] of Object.entries(boot.deleteConcurrent)) rows.push([`delete concurrent ${k}`, v.api.n, v.api.p50Ms, v.api.p95Ms, v.raw.p50Ms, v.raw.p95Ms, v.api.wallMs, v.raw.wallMs, v.ratioWall]);
    out.push(table(['', 'n', 'API p50', 'API p95', 'raw p50', 'raw p95', 'API wall', 'raw wall', 'ratio'], rows));
    out.push(`ratio: p50 API / p50 raw for sequential runs, wall API / wall raw for concurrent ones; boot sequential (launched_at): ACTIVE at the server's OS-SRV-USG:launched_at, polled every ${SERVER_SIDE_POLL_MS} ms; (polled): the first GET /servers/{id} showing ACTIVE, polled every ${POLL_MS} ms (the polling itself slows the engine's start: see bench/boot.ts); deletes polled every ${POLL_MS} ms, batches every ${BATCH_POLL_MS} ms (GET /servers/detail)`);
    out.push(`engine requests during ${boot.engineCalls.listAndShowRequests} list/show requests: ${boot.engineCalls.listAndShow}; during ${boot.engineCalls.hypervisorsAndServicesRequests} os-hypervisors/os-services requests: ${boot.engineCalls.hypervisorsAndServices}` +
      (boot.engineCalls.seen.length ? ` (${boot.engineCalls.seen.join(', ')})` : ''));
    out.push(`RSS (Docker driver): idle ${round(boot.rssMb.idle, 1)} MiB, after the boots ${round(boot.rssMb.afterBoots, 1)} MiB`);
  }
  if (api) {
    out.push(`\nAPI latency (1 connection) and throughput (${api.connections} connections), ${api.durationSec} s each, autocannon on loopback; servers made through the API with the fake driver`);
    const rows: (string | number)[][] = [[api.baseline.name, '-', api.baseline.latency.p50Ms, api.baseline.latency.p95Ms, api.baseline.latency.p99Ms, api.baseline.throughputRps, 1, 1]];
    for (const e of api.endpoints) rows.push([e.name, e.servers ?? '-', e.latency.p50Ms, e.latency.p95Ms, e.latency.p99Ms, e.throughputRps, e.ratioP50, e.ratioThroughput]);
    out.push(table(['', 'servers', 'p50 ms', 'p95 ms', 'p99 ms', 'req/s', 'p50 ratio', 'req/s ratio'], rows));
    const errors = api.endpoints.filter((e) => e.non2xx > 0).map((e) => `${e.name} (${e.servers ?? '-'}): ${e.non2xx}`);
    if (errors.length) out.push(`non-2xx responses or errors: ${errors.join('; ')}`);
    out.push(`RSS (fake driver): idle ${round(api.rssMb.idle, 1)} MiB, with 1,000 servers ${round(api.rssMb.with1000Servers, 1)} MiB`);
  }
  out.push('\nTargets (issue 6)');
  out.push(table(['', 'target', 'measured', ''], tgs.map((t) => [t.name, t.limit, t.measured === null ? 'not run' : round(t.measured, 2), t.pass === null ? '-' : t.pass ? 'PASS' : 'MISS'])));
  return out.join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
