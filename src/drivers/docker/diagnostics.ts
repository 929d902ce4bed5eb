import type Dockerode from 'dockerode';
import type { DiagnosticsDisk, DiagnosticsNic, InstanceDiagnostics } from '../driver';
import { InstanceNotReady } from '../../errors';

const MIB = 1024 * 1024;

/** The parts of GET /containers/{id}/stats (one-shot) that are read; cgroup v1 and v2 differ in places. */
export interface EngineStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; online_cpus?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, {
    rx_bytes?: number; rx_packets?: number; rx_errors?: number; rx_dropped?: number;
    tx_bytes?: number; tx_packets?: number; tx_errors?: number; tx_dropped?: number;
  }>;
  blkio_stats?: {
    io_service_bytes_recursive?: { op: string; value: number }[] | null;
    io_serviced_recursive?: { op: string; value: number }[] | null;
  };
}

/** The parts of `docker inspect` that are read. */
export interface EngineInspect {
  State?: { Status?: string; Running?: boolean; Paused?: boolean; StartedAt?: string };
  HostConfig?: { Memory?: number; NanoCpus?: number };
  NetworkSettings?: { Networks?: Record<string, { MacAddress?: string }> };
}

/**
 * A running container's live usage (Nova's get_instance_diagnostics), from `docker inspect` and
 * one-shot `docker stats`:
 * - memory maximum: the container's memory limit (the flavor's RAM), used: usage less the
 *   reclaimable page cache (inactive_file), as `docker stats` shows it; both in MiB
 * - CPUs: as many as the container may use (NanoCpus, the flavor's vCPUs; all of the host's when
 *   unlimited); a container's CPU time is accounted as a whole, not per vCPU, so `time` is the
 *   total for a single vCPU and null otherwise; no utilisation (one sample gives no rate)
 * - NICs: the container's interfaces (eth0…) with their counters; the MAC only when there is a
 *   single network to take it from (the engine does not pair interfaces with networks)
 * - disks: one, the container's root filesystem, with the block I/O its cgroup counted
 * - uptime: seconds since the container last started
 */
export async function containerDiagnostics(docker: Dockerode, container: Dockerode.Container, uuid: string): Promise<InstanceDiagnostics> {
  const info = (await container.inspect()) as EngineInspect;
  if (!info.State?.Running || info.State.Paused) throw new InstanceNotReady(uuid);
  const stats = (await container.stats({ stream: false, 'one-shot': true })) as unknown as EngineStats;
  const engine = (await docker.info().catch(() => ({}))) as { OSType?: string };
  return diagnosticsOf(info, stats, engine.OSType ?? null, new Date());
}

/** The pure mapping, for unit tests. */
export function diagnosticsOf(info: EngineInspect, stats: EngineStats, osType: string | null, now: Date): InstanceDiagnostics {
  const mem = stats.memory_stats ?? {};
  const limit = info.HostConfig?.Memory || mem.limit || null;
  const usage = mem.usage ?? null;
  const inactive = mem.stats?.total_inactive_file ?? mem.stats?.inactive_file ?? 0;
  const used = usage === null ? null : (inactive < usage ? usage - inactive : usage);
  const nano = info.HostConfig?.NanoCpus ?? 0;
  const numCpus = nano > 0 ? Math.ceil(nano / 1e9) : (stats.cpu_stats?.online_cpus ?? 1);
  const totalCpu = stats.cpu_stats?.cpu_usage?.total_usage ?? null;
  const cpus = Array.from({ length: numCpus }, (_, id) => ({ id, timeNs: numCpus === 1 ? totalCpu : null, utilisation: null }));
  const networks = Object.entries(stats.networks ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const macs = Object.values(info.NetworkSettings?.Networks ?? {}).map((n) => n.MacAddress).filter((m): m is string => !!m);
  const nics: DiagnosticsNic[] = networks.map(([, n]) => ({
    mac: networks.length === 1 && macs.length === 1 ? macs[0].toLowerCase() : null,
    rxOctets: n.rx_bytes ?? null, rxErrors: n.rx_errors ?? null, rxDrop: n.rx_dropped ?? null, rxPackets: n.rx_packets ?? null,
    txOctets: n.tx_bytes ?? null, txErrors: n.tx_errors ?? null, txDrop: n.tx_dropped ?? null, txPackets: n.tx_packets ?? null,
  }));
  const sumOp = (list: { op: string; value: number }[] | null | undefined, op: string) =>
    (list && list.length > 0 ? list.filter((e) => e.op.toLowerCase() === op).reduce((n, e) => n + e.value, 0) : null);
  const blk = stats.blkio_stats ?? {};
  const bytes = blk.io_service_bytes_recursive;
  const ops = blk.io_serviced_recursive;
  const disk: DiagnosticsDisk = {
    // an empty list means no I/O was counted yet: 0, not unknown
    readBytes: Array.isArray(bytes) ? sumOp(bytes, 'read') ?? 0 : null,
    writeBytes: Array.isArray(bytes) ? sumOp(bytes, 'write') ?? 0 : null,
    readRequests: Array.isArray(ops) ? sumOp(ops, 'read') ?? 0 : null,
    writeRequests: Array.isArray(ops) ? sumOp(ops, 'write') ?? 0 : null,
    errors: null,
  };
  const started = info.State?.StartedAt ? Date.parse(info.State.StartedAt) : NaN;
  const raw: Record<string, number> = {};
  if (totalCpu !== null) raw.cpu_time = totalCpu;
  (stats.cpu_stats?.cpu_usage?.percpu_usage ?? []).forEach((t, i) => { raw[`cpu${i}_time`] = t; });
  if (limit !== null) raw.memory = Math.floor(limit / 1024); // KiB, as libvirt's maxMemory
  if (used !== null) raw['memory-actual'] = Math.floor(used / 1024);
  for (const [k, v] of Object.entries(mem.stats ?? {})) if (k === 'rss' || k === 'anon') raw['memory-rss'] = Math.floor(v / 1024);
  for (const [name, n] of networks) {
    const put = (suffix: string, v: number | undefined) => { if (v !== undefined) raw[`${name}_${suffix}`] = v; };
    put('rx', n.rx_bytes); put('rx_packets', n.rx_packets); put('rx_errors', n.rx_errors); put('rx_drop', n.rx_dropped);
    put('tx', n.tx_bytes); put('tx_packets', n.tx_packets); put('tx_errors', n.tx_errors); put('tx_drop', n.tx_dropped);
  }
  if (disk.readBytes !== null) raw.rootfs_read = disk.readBytes;
  if (disk.writeBytes !== null) raw.rootfs_write = disk.writeBytes;
  if (disk.readRequests !== null) raw.rootfs_read_req = disk.readRequests;
  if (disk.writeRequests !== null) raw.rootfs_write_req = disk.writeRequests;
  return {
    hypervisor: 'docker',
    hypervisorOs: osType,
    uptimeSec: Number.isFinite(started) && started > 0 ? Math.max(0, Math.floor((now.getTime() - started) / 1000)) : null,
    memory: { maximumMb: limit === null ? null : Math.floor(limit / MIB), usedMb: used === null ? null : Math.floor(used / MIB) },
    cpus, nics, disks: [disk], raw,
  };
}
