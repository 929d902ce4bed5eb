import type { Services } from '../../services';
import type { RouteDef } from '../routing';
import { always } from '../microversion';
import { anyQuery } from '../parameter-types';

/** Nova's internal_service_availability_zone */
const INTERNAL = 'internal';

const zoneState = { type: 'object', properties: { available: { type: 'boolean' } }, required: ['available'], additionalProperties: false } as const;
const serviceState = {
  type: 'object', properties: { available: { type: 'boolean' }, active: { type: 'boolean' }, updated_at: { type: ['string', 'null'] } },
  required: ['available', 'active', 'updated_at'], additionalProperties: false,
} as const;

const zones = (hosts: object) => ({
  type: 'object',
  properties: {
    availabilityZoneInfo: {
      type: 'array',
      items: { type: 'object', properties: { zoneName: { type: 'string' }, zoneState, hosts }, required: ['zoneName', 'zoneState', 'hosts'], additionalProperties: false },
    },
  },
  required: ['availabilityZoneInfo'], additionalProperties: false,
});

const novaTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000');

/**
 * /os-availability-zone (Nova's availability_zone.py): the zones of the services — a compute
 * host's zone comes from its aggregates (default `nova`), the scheduler and conductor are in
 * `internal`, which only the admins' detail shows. A zone whose services are all disabled is
 * listed as not available.
 */
export function availabilityZoneRoutes(s: Services): RouteDef[] {
  const base = { auth: 'token' as const, body: null, query: always(anyQuery) };
  return [
    {
      ...base, name: 'availability_zones.index', method: 'GET', path: '/os-availability-zone', errors: [],
      response: always(zones({ type: 'null' })),
      handler: async () => {
        const { available, notAvailable } = await s.zones.listing();
        const entry = (available: boolean) => (zoneName: string) => ({ zoneName, zoneState: { available }, hosts: null });
        const info = [...available.filter((z) => z !== INTERNAL).map(entry(true)), ...notAvailable.filter((z) => z !== INTERNAL).map(entry(false))];
        return { status: 200, body: { availabilityZoneInfo: info } };
      },
    },
    {
      ...base, name: 'availability_zones.detail', method: 'GET', path: '/os-availability-zone/detail', errors: [403],
      admin: 'os_compute_api:os-availability-zone:detail',
      response: always(zones({ type: ['object', 'null'], additionalProperties: { type: 'object', additionalProperties: serviceState } })),
      handler: async () => {
        const { available, notAvailable, services } = await s.zones.listing();
        const info = available.map((zoneName) => {
          const hosts: Record<string, Record<string, object>> = {};
          for (const svc of services.filter((x) => x.status === 'enabled' && x.zone === zoneName)) {
            (hosts[svc.host] ??= {})[svc.binary] = { available: svc.state === 'up', active: true, updated_at: novaTime(svc.updatedAt) };
          }
          return { zoneName, zoneState: { available: true }, hosts };
        });
        for (const zoneName of notAvailable) info.push({ zoneName, zoneState: { available: false }, hosts: null as never });
        return { status: 200, body: { availabilityZoneInfo: info } };
      },
    },
  ];
}
