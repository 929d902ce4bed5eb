import type { Services } from '../../services';
import type { RouteDef } from '../routing';
import { always } from '../microversion';
import { anyQuery } from '../parameter-types';
import { DEFAULT_AZ } from '../../compute/service';
import { Forbidden } from '../../errors';

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

/** /os-availability-zone: one zone, `nova`, holding every compute host; detail (admins) shows hosts and services. */
export function availabilityZoneRoutes(s: Services): RouteDef[] {
  const base = { auth: 'token' as const, body: null, query: always(anyQuery) };
  return [
    {
      ...base, name: 'availability_zones.index', method: 'GET', path: '/os-availability-zone', errors: [],
      response: always(zones({ type: 'null' })),
      handler: async () => ({ status: 200, body: { availabilityZoneInfo: [{ zoneName: DEFAULT_AZ, zoneState: { available: true }, hosts: null }] } }),
    },
    {
      ...base, name: 'availability_zones.detail', method: 'GET', path: '/os-availability-zone/detail', errors: [403],
      response: always(zones({ type: 'object', additionalProperties: { type: 'object', additionalProperties: serviceState } })),
      handler: async (input) => {
        if (!input.auth.isAdmin) throw new Forbidden('Policy doesn\'t allow os_compute_api:os-availability-zone:detail to be performed.');
        const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000');
        const health = await Promise.all(s.drivers.hosts().map(async (h) => [h, (await s.drivers.forHost(h).health()).state === 'healthy'] as const));
        const hosts = Object.fromEntries(health.map(([h, up]) => [h, { 'nova-compute': { available: up, active: true, updated_at: now } }]));
        return { status: 200, body: { availabilityZoneInfo: [{ zoneName: DEFAULT_AZ, zoneState: { available: true }, hosts }] } };
      },
    },
  ];
}
