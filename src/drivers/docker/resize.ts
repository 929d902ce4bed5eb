import type Dockerode from 'dockerode';
import type { DriverFlavor, DriverInstance } from '../driver';
import { buildContainerSpec } from './container-spec';

/** The resource limits `docker update` can change on a live container (POST /containers/{id}/update). */
export interface FlavorLimits {
  readonly Memory: number;
  readonly MemorySwap: number;
  readonly NanoCpus: number;
  readonly PidsLimit: number;
}

export interface FlavorLimitsInput {
  readonly instance: DriverInstance;
  readonly flavor: DriverFlavor;
  readonly pidsLimit: number;
  /** CPUs of the engine's host: vcpus are capped to it, as at create */
  readonly hostCpus?: number;
}

/**
 * The flavor's limits exactly as a spawn sets them: taken from the create spec itself, so a resized
 * container and a freshly spawned one with the same flavor can never differ.
 */
export function flavorLimits(input: FlavorLimitsInput): FlavorLimits {
  const host = buildContainerSpec({ ...input, imageTag: '', stopTimeoutSec: 0 }).HostConfig ?? {};
  return {
    Memory: host.Memory!,
    MemorySwap: host.MemorySwap!,
    NanoCpus: host.NanoCpus!,
    PidsLimit: host.PidsLimit!,
  };
}

/**
 * Applies the limits in place, running or stopped: no recreation, so the container id, its
 * filesystem and (when running) its processes stay. Memory and MemorySwap go together, or Docker
 * refuses a Memory above the old MemorySwap.
 */
export async function applyFlavorLimits(container: Dockerode.Container, limits: FlavorLimits): Promise<void> {
  await container.update({ ...limits });
}
