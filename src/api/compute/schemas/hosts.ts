import { always, versioned } from '../../microversion';
import { anyQuery } from '../../parameter-types';

const obj = (properties: Record<string, object>, required: string[] = Object.keys(properties)) =>
  ({ type: 'object', properties, required, additionalProperties: false });
const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const query = always(anyQuery);

/** tempest v2_1/hosts.py list_hosts */
export const list = {
  query, body: null,
  response: always(obj({ hosts: { type: 'array', items: obj({ host_name: str, service: str, zone: str }) } })),
};

/** tempest get_host_detail (with `items`, where tempest's schema misspells it `item`) */
export const show = {
  query, body: null,
  response: always(obj({
    host: { type: 'array', items: obj({ resource: obj({ cpu: int, disk_gb: int, host: str, memory_mb: int, project: str }) }) },
  })),
};

const mode = { type: 'string', enum: ['enable', 'disable', 'Enable', 'Disable', 'ENABLE', 'DISABLE'] } as const;

/**
 * Nova's schemas/hosts.py update, with its anyOf where it was meant to be (Nova's sits inside
 * `properties` and so checks nothing): one of status and maintenance_mode is required, as
 * tempest's test_update_host_without_param and the API reference say. From 2.43 the route is gone
 * (404), whatever the body.
 */
export const update = {
  query,
  body: versioned([
    { min: '2.1', max: '2.42', value: { ...obj({ status: mode, maintenance_mode: mode }, []), minProperties: 1 } },
    { min: '2.43', value: {} },
  ]),
  response: always({
    ...obj({ host: str, status: { enum: ['enabled', 'disabled'] }, maintenance_mode: { enum: ['on_maintenance', 'off_maintenance'] } }, ['host']),
    minProperties: 2,
  }),
};

/** tempest startup_host / shutdown_host / reboot_host */
export const powerAction = (action: 'startup' | 'shutdown' | 'reboot') => ({
  query, body: null,
  response: always(obj({ host: str, power_action: { enum: [action] } })),
});
