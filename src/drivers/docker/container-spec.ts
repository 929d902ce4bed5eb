import type Dockerode from 'dockerode';
import { DriverFlavor, DriverInstance } from '../driver';
import { ownershipLabels } from './labels';

const MIB = 1024 * 1024;
const NANO_CPUS_PER_CPU = 1e9;
/** RFC 1123 limit for one label, which is what a Linux hostname is in practice */
const MAX_HOSTNAME_LENGTH = 63;
/** metadata keys that are also valid shell variable names get a META_<key> variable */
const ENV_SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Capabilities an ordinary Linux image needs (package managers chown files, daemons drop to their
 * own user, servers bind low ports). Everything else is dropped: with no CAP_SYS_ADMIN, NET_ADMIN,
 * NET_RAW, MKNOD, SYS_PTRACE, SYS_MODULE... an instance cannot remount, sniff or spoof the bridge,
 * create device nodes, or trace other processes. This is Docker's default set minus MKNOD, NET_RAW
 * and SETFCAP (so `ping`, needing a raw socket, fails inside unless the host allows ICMP sockets).
 */
export const KEPT_CAPABILITIES: readonly string[] = Object.freeze([
  'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'NET_BIND_SERVICE', 'SYS_CHROOT', 'AUDIT_WRITE',
]);

export interface ContainerSpecInput {
  readonly instance: DriverInstance;
  readonly flavor: DriverFlavor;
  readonly imageTag: string;
  readonly pidsLimit: number;
  readonly stopTimeoutSec: number;
  /** CPUs of the engine's host; Docker refuses NanoCpus above it, so vcpus are capped to it */
  readonly hostCpus?: number;
  /**
   * the user-defined bridge to join (network.ts), with the address to pin; absent: Docker's default
   * bridge; 'none': no network at all (2.37's `networks: "none"`, Docker's network mode none)
   */
  readonly network?: { readonly name: string; readonly ipv4?: string | null } | 'none';
}

export function containerName(instanceUuid: string): string {
  return `novashim-${instanceUuid}`;
}

/** the dockerode create options for an instance; pure, so every limit is unit-testable */
export function buildContainerSpec(input: ContainerSpecInput): Dockerode.ContainerCreateOptions {
  const { instance, flavor } = input;
  return {
    name: containerName(instance.uuid),
    Image: input.imageTag,
    Hostname: clampHostname(instance.hostname),
    Labels: ownershipLabels(instance.uuid, instance.projectId),
    Env: instanceEnv(instance),
    // a TTY keeps an interactive /bin/sh image alive and is what a serial console will attach to
    Tty: true,
    OpenStdin: true,
    StopTimeout: input.stopTimeoutSec,
    HostConfig: {
      Memory: flavor.memoryMb * MIB,
      MemorySwap: flavor.memoryMb * MIB, // equal to Memory: no swap on top of the flavor's RAM
      NanoCpus: nanoCpus(flavor.vcpus, input.hostCpus),
      PidsLimit: input.pidsLimit,
      Privileged: false,
      SecurityOpt: ['no-new-privileges'],
      CapDrop: ['ALL'],
      CapAdd: [...KEPT_CAPABILITIES],
      // tini as PID 1: forwards signals and reaps zombies, so images not written to be PID 1 still stop
      Init: true,
      // power state is Nova's to decide; an engine restart must not resurrect a stopped server
      RestartPolicy: { Name: 'no' },
      // bounded logs: a chatty instance must not fill the engine's disk (still readable by `logs`)
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
      // no Binds, Mounts or Volumes, ever: an instance sees nothing of the host's filesystem
      // never "host" or "container:<id>": an instance only ever joins a bridge
      ...(input.network && { NetworkMode: input.network === 'none' ? 'none' : input.network.name }),
    },
    ...(input.network && input.network !== 'none' && { NetworkingConfig: { EndpointsConfig: { [input.network.name]: endpointConfig(input.network.ipv4) } } }),
  };
}

/** a pinned address is kept by the container across stop/start too (the endpoint's IPAMConfig) */
function endpointConfig(ipv4: string | null | undefined): Dockerode.EndpointSettings {
  return ipv4 ? { IPAMConfig: { IPv4Address: ipv4 } } : {};
}

/**
 * NOVA_INSTANCE_UUID, NOVA_METADATA (all metadata as JSON) and META_<key> for keys that are valid
 * variable names. The prefix means metadata can never set PATH, LD_PRELOAD or the like.
 */
export function instanceEnv(instance: Pick<DriverInstance, 'uuid' | 'metadata'>): string[] {
  const perKey = Object.entries(instance.metadata)
    .filter(([key]) => ENV_SAFE_KEY.test(key))
    .map(([key, value]) => `META_${key}=${value}`);
  return [
    `NOVA_INSTANCE_UUID=${instance.uuid}`,
    `NOVA_METADATA=${JSON.stringify(instance.metadata)}`,
    ...perKey,
  ];
}

/** the caller sanitizes; this only enforces the length and avoids a dangling '-' or '.' after the cut */
export function clampHostname(hostname: string): string {
  if (hostname.length <= MAX_HOSTNAME_LENGTH) return hostname;
  return hostname.slice(0, MAX_HOSTNAME_LENGTH).replace(/[-.]+$/, '');
}

function nanoCpus(vcpus: number, hostCpus: number | undefined): number {
  const cpus = hostCpus && hostCpus > 0 ? Math.min(vcpus, hostCpus) : vcpus;
  return Math.round(cpus * NANO_CPUS_PER_CPU);
}
