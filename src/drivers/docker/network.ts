import type Dockerode from 'dockerode';
import { DriverError } from '../../errors';
import { DriverInstance, DriverState } from '../driver';
import { asDriverError, engineMessage } from './engine-errors';
import { INSTANCE_LABEL } from './labels';
import { DriverLog } from './log';

/**
 * The instances' private network: a user-defined bridge that novashim creates on first use. Unlike
 * Docker's default bridge it lets a container be created with a chosen IPv4 address, so a server
 * keeps its fixed IP when its container is re-created (rebuild), as a Nova server keeps its port.
 *
 * Traffic is as on the default bridge: inter-container traffic allowed (enable_icc), outbound NAT
 * (enable_ip_masquerade), no published ports. Two differences of any user-defined bridge: Docker's
 * embedded DNS (127.0.0.11) answers container names of the same network, and the network is
 * isolated from the default bridge, so instances still on "bridge" (created before this network
 * existed) and instances on it cannot reach each other.
 */
export const NETWORK_OWNER_LABEL = 'org.openstack.novashim.network';
export const DEFAULT_PRIVATE_NETWORK = 'novashim-private';
export const DEFAULT_PRIVATE_SUBNET = '10.213.0.0/16';

const RACE_POLLS = 20;
const RACE_POLL_MS = 100;

export interface PrivateNetwork {
  readonly name: string;
  /** the subnet the engine has for it (the configured one, unless the network predates a change) */
  readonly subnet: string;
}

interface EngineNetwork {
  readonly Name?: string;
  readonly Labels?: Record<string, string> | null;
  readonly IPAM?: { readonly Config?: ReadonlyArray<{ readonly Subnet?: string }> | null } | null;
}

/**
 * Inspects the network and creates it when missing. Safe to run from several drivers (or
 * processes) at once: when another one wins the race, its network is used.
 */
export async function ensurePrivateNetwork(docker: Dockerode, wanted: PrivateNetwork, log: DriverLog): Promise<PrivateNetwork> {
  const existing = await inspectNetwork(docker, wanted.name);
  if (existing) return usable(existing, wanted, log);
  try {
    await docker.createNetwork({
      Name: wanted.name,
      CheckDuplicate: true,
      Driver: 'bridge',
      Internal: false,
      Attachable: false,
      EnableIPv6: false,
      IPAM: { Driver: 'default', Config: [{ Subnet: wanted.subnet }] },
      Options: { 'com.docker.network.bridge.enable_icc': 'true', 'com.docker.network.bridge.enable_ip_masquerade': 'true' },
      Labels: { [NETWORK_OWNER_LABEL]: 'private' },
    });
    log.info({ network: wanted.name, subnet: wanted.subnet }, 'created the private network');
  } catch (err) {
    // lost a race (409 duplicate name, or the pool overlaps the winner's, which may take a moment to
    // be visible): use the winner's network
    for (let attempt = 0; attempt < RACE_POLLS; attempt++) {
      const raced = await inspectNetwork(docker, wanted.name);
      if (raced) return usable(raced, wanted, log);
      await new Promise((resolve) => setTimeout(resolve, RACE_POLL_MS));
    }
    throw asDriverError(err, `cannot create network ${wanted.name} (${wanted.subnet})`);
  }
  const created = await inspectNetwork(docker, wanted.name);
  if (!created) throw new DriverError(`network ${wanted.name} vanished right after it was created`);
  return usable(created, wanted, log);
}

async function inspectNetwork(docker: Dockerode, name: string): Promise<EngineNetwork | null> {
  try {
    return (await docker.getNetwork(name).inspect()) as EngineNetwork;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw asDriverError(err, `cannot inspect network ${name}`);
  }
}

/** only a network novashim made (labelled) carries instances; its actual subnet wins over the configured one */
function usable(network: EngineNetwork, wanted: PrivateNetwork, log: DriverLog): PrivateNetwork {
  if (!network.Labels?.[NETWORK_OWNER_LABEL]) {
    throw new DriverError(`network ${wanted.name} exists but was not created by novashim (no ${NETWORK_OWNER_LABEL} label); remove it or configure another name`);
  }
  const subnet = network.IPAM?.Config?.find((c) => c.Subnet && parseCidr(c.Subnet))?.Subnet;
  if (!subnet) throw new DriverError(`network ${wanted.name} has no IPv4 subnet`);
  if (subnet !== wanted.subnet) {
    log.warn({ network: wanted.name, subnet, configured: wanted.subnet }, 'the private network exists with another subnet; using it');
  }
  return { name: wanted.name, subnet };
}

/**
 * The IPv4 address the instance should keep: the first of its known fixed IPs (the compute layer's
 * record, or what the previous spawn noted in driverState) that is a host address of the subnet.
 * Addresses of Docker's default bridge (an instance from before the private network) do not fit.
 */
export function keptAddress(instance: DriverInstance, subnet: string): string | null {
  const candidates = [...(instance.fixedIps ?? []), ...fixedIpsOf(instance.driverState)];
  return candidates.find((ip) => isHostAddressIn(ip, subnet)) ?? null;
}

/** the fixedIps a Docker driverState records (see DriverInstance.fixedIps) */
export function fixedIpsOf(state: DriverState | null): string[] {
  const ips = (state as { fixedIps?: unknown } | null)?.fixedIps;
  return Array.isArray(ips) ? ips.filter((ip): ip is string => typeof ip === 'string') : [];
}

/** the container's IPv4 address on the network, as inspect shows it (empty while stopped unless pinned) */
export function addressOn(info: Dockerode.ContainerInspectInfo, network: string): string | null {
  const endpoint = info.NetworkSettings?.Networks?.[network] as
    | { IPAddress?: string; IPAMConfig?: { IPv4Address?: string } | null } | undefined;
  return endpoint?.IPAddress || endpoint?.IPAMConfig?.IPv4Address || null;
}

/** the engine refused a chosen address because another endpoint holds it */
export function isAddressInUse(err: unknown): boolean {
  return /address already in use|no available ip|requested address/i.test(engineMessage(err));
}

export function parseCidr(cidr: string): { base: number; bits: number } | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!m) return null;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 8 || bits > 30) return null;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  const base = (ipToInt(octets) & mask) >>> 0;
  return { base, bits };
}

/** inside the subnet, and neither its network, first (the bridge's gateway) nor broadcast address */
export function isHostAddressIn(ip: string, subnet: string): boolean {
  const net = parseCidr(subnet);
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!net || !m) return false;
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return false;
  const offset = ipToInt(octets) - net.base;
  const size = 2 ** (32 - net.bits);
  return offset > 1 && offset < size - 1;
}

function offsetIn(subnet: string, ip: string): number {
  const net = parseCidr(subnet)!;
  return ipToInt(ip.split('.').map(Number)) - net.base;
}

function ipToInt(octets: number[]): number {
  return ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
}

/**
 * Chooses each new container's address itself rather than leaving it to Docker's IPAM, which
 * forgets a stopped container's address and would hand it to the next container, so the stopped
 * server could not start again with its pinned address. Choices are serialized in this process and
 * an address chosen stays reserved until its container exists (from then on the engine lists its
 * pinned address); concurrent boots share one listing of the network (see create); another process
 * on the same engine can still race, which start then reports as "Address already in use".
 * Addresses are handed out round-robin (from after the last one given), so an address just freed
 * (a rebuild between its destroy and its spawn) is not given to another server until the subnet wraps.
 */
export class AddressAllocator {
  private queue: Promise<unknown> = Promise.resolve();
  private cursor = 0;
  /** addresses chosen for creates still running: never handed out twice */
  private readonly reserved = new Set<string>();
  /**
   * while creates are running: the network's addresses as last listed (address → owning instance),
   * plus those of the creates finished since; a burst of boots lists the network once, not once each
   */
  private listed: Map<string, string> | null = null;
  private running = 0;

  /**
   * Runs `create` with `preferred` when no other container holds it (containers of the same
   * instance, e.g. one left by an interrupted spawn, do not count), else with the lowest free
   * host address of the subnet. Only the choice is serialized; the creates run concurrently.
   */
  async create<T>(docker: Dockerode, network: PrivateNetwork, instanceUuid: string, preferred: string | null,
    create: (ipv4: string) => Promise<T>): Promise<{ value: T; ipv4: string }> {
    const choice = this.queue.then(async () => {
      this.listed = this.running > 0 && this.listed ? this.listed : await usedAddresses(docker, network.name);
      const used = new Set(this.reserved);
      for (const [ip, owner] of this.listed) if (owner !== instanceUuid) used.add(ip);
      const ipv4 = preferred && !used.has(preferred) ? preferred : firstFree(network.subnet, used, this.cursor);
      if (ipv4 && ipv4 !== preferred) this.cursor = offsetIn(network.subnet, ipv4) + 1;
      if (!ipv4) throw new DriverError(`no free address left in ${network.subnet} (network ${network.name})`);
      this.reserved.add(ipv4);
      this.running += 1;
      return ipv4;
    });
    this.queue = choice.catch(() => undefined);
    const ipv4 = await choice;
    try {
      const value = await create(ipv4);
      this.listed?.set(ipv4, instanceUuid); // the engine lists it from now on; the kept listing must too
      return { value, ipv4 };
    } finally {
      this.reserved.delete(ipv4);
      this.running -= 1;
      if (this.running === 0) this.listed = null; // the next boot lists the network afresh
    }
  }
}

/** every address held on the network by a container (running, or stopped with a pinned address), with the instance owning it ('' for none) */
async function usedAddresses(docker: Dockerode, network: string): Promise<Map<string, string>> {
  let containers: Dockerode.ContainerInfo[];
  try {
    containers = await docker.listContainers({ all: true, filters: { network: [network] } });
  } catch (err) {
    throw asDriverError(err, `cannot list the containers of network ${network}`);
  }
  const used = new Map<string, string>();
  for (const c of containers) {
    const owner = c.Labels?.[INSTANCE_LABEL] ?? '';
    const endpoint = c.NetworkSettings?.Networks?.[network] as
      | { IPAddress?: string; IPAMConfig?: { IPv4Address?: string } | null } | undefined;
    if (endpoint?.IPAddress) used.set(endpoint.IPAddress, owner);
    if (endpoint?.IPAMConfig?.IPv4Address) used.set(endpoint.IPAMConfig.IPv4Address, owner);
  }
  return used;
}

/**
 * The first host address of the subnet not in `used`, searching from offset `from` and wrapping
 * (host addresses start at .2: .1 is the bridge's gateway).
 */
export function firstFree(subnet: string, used: ReadonlySet<string>, from = 0): string | null {
  const net = parseCidr(subnet);
  if (!net) return null;
  const size = 2 ** (32 - net.bits);
  const hosts = size - 3;
  const start = from >= 2 && from <= size - 2 ? from - 2 : 0;
  for (let i = 0; i < hosts; i++) {
    const offset = 2 + ((start + i) % hosts);
    const n = net.base + offset;
    const ip = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
    if (!used.has(ip)) return ip;
  }
  return null;
}
