import { statfs, readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { isIPv4 } from 'node:net';
import type Dockerode from 'dockerode';
import type { HostInfo } from '../driver';
import { asDriverError } from './engine-errors';

interface EngineInfo {
  NCPU?: number;
  MemTotal?: number;
  ServerVersion?: string;
  DockerRootDir?: string;
  Architecture?: string;
}

const GIB = 1024 ** 3;

/**
 * The engine host's resources for os-hypervisors, from `docker info`: CPUs (NCPU), memory
 * (MemTotal), version (ServerVersion). What `docker info` does not tell is read from this machine
 * only when the engine is local (a unix socket): the disk size of its data root (statfs of
 * DockerRootDir; 0 when that path is not visible here, e.g. a rootless or VM-backed engine), the
 * uptime (/proc/uptime) and an address (the first non-internal IPv4). For a remote engine, disk is
 * 0, the uptime unknown (null: the uptime API answers 501) and host_ip the engine's address when it
 * is an IPv4 literal.
 */
export async function engineHostInfo(docker: Dockerode): Promise<HostInfo> {
  const info: EngineInfo = await docker.info().catch((err: unknown) => { throw asDriverError(err, 'cannot read engine info'); });
  const modem = (docker as unknown as { modem?: { socketPath?: unknown; host?: unknown } }).modem;
  const local = typeof modem?.socketPath === 'string';
  return {
    vcpus: info.NCPU ?? 0,
    memoryMb: Math.floor((info.MemTotal ?? 0) / (1024 * 1024)),
    diskGb: local && info.DockerRootDir ? await diskGb(info.DockerRootDir) : 0,
    hypervisorType: 'docker',
    hypervisorVersion: versionNumber(info.ServerVersion ?? ''),
    uptimeSec: local ? await localUptime() : null,
    cpuArch: info.Architecture ?? '',
    hostIp: local ? localIPv4() : (typeof modem?.host === 'string' && isIPv4(modem.host) ? modem.host : '127.0.0.1'),
  };
}

/** "24.0.7" → 24000007, Nova's integer version (utils.convert_version_to_int) */
export function versionNumber(version: string): number {
  const parts = version.split(/[^0-9]+/).filter(Boolean).slice(0, 3).map(Number);
  while (parts.length < 3) parts.push(0);
  return parts[0] * 1_000_000 + parts[1] * 1000 + parts[2];
}

async function diskGb(path: string): Promise<number> {
  try {
    const s = await statfs(path);
    return Math.floor((s.blocks * s.bsize) / GIB);
  } catch {
    return 0;
  }
}

async function localUptime(): Promise<number | null> {
  try {
    return Math.floor(Number((await readFile('/proc/uptime', 'utf8')).split(/\s+/)[0]));
  } catch {
    return null;
  }
}

function localIPv4(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
