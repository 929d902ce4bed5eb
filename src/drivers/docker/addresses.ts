import { NetworkAddress } from '../driver';

/** the part of an inspected container's NetworkSettings.Networks entry we read */
export interface EngineEndpoint {
  readonly IPAddress?: string;
  readonly GlobalIPv6Address?: string;
  readonly MacAddress?: string;
}

/** Docker's default network is called "bridge"; Nova users expect the deployment's own label. */
const DEFAULT_ENGINE_NETWORK = 'bridge';

/**
 * Addresses from NetworkSettings.Networks. A stopped container keeps its endpoints but with empty
 * addresses, so those drop out, matching a shut-off VM that reports no fixed IPs. Both Docker's
 * default bridge (containers from before the private network) and novashim's private network
 * (`privateEngineNetwork`, see network.ts) are reported under the deployment's label.
 */
export function addressesOf(
  networks: Readonly<Record<string, EngineEndpoint>> | null | undefined,
  defaultNetworkLabel: string,
  privateEngineNetwork?: string,
): NetworkAddress[] {
  return Object.entries(networks ?? {}).flatMap(([engineName, endpoint]) => {
    const labelled = engineName === DEFAULT_ENGINE_NETWORK || engineName === privateEngineNetwork;
    const network = labelled ? defaultNetworkLabel : engineName;
    const mac = endpoint.MacAddress || null;
    const found: NetworkAddress[] = [];
    if (endpoint.IPAddress) found.push({ network, addr: endpoint.IPAddress, version: 4, mac });
    if (endpoint.GlobalIPv6Address) found.push({ network, addr: endpoint.GlobalIPv6Address, version: 6, mac });
    return found;
  });
}
