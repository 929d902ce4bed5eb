import { execFileSync } from 'node:child_process';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Microversion } from '../../src/api/microversion';

/**
 * Tempest's own server response schemas (tempest/lib/api_schema/response/compute/v2_N/servers.py),
 * exported with the system python at test time, chosen per microversion exactly as tempest's
 * ServersClient.schema_versions_info does, and compiled with ajv and tempest's formats.
 */
export type TempestServerSchema = 'get_server' | 'list_servers' | 'list_servers_detail' | 'update_server' | 'rebuild_server_with_admin_pass';

interface Entry { min: string; max: string | null; module: string; schemas: Record<TempestServerSchema, object> }

const EXPORT = `
import json
from tempest.lib.services.compute import servers_client as c
names = ('get_server', 'list_servers', 'list_servers_detail', 'update_server', 'rebuild_server_with_admin_pass')
out = [{'min': e['min'] or '2.1', 'max': e['max'], 'module': e['schema'].__name__,
        'schemas': {n: getattr(e['schema'], n)['response_body'] for n in names}}
       for e in c.ServersClient.schema_versions_info]
print(json.dumps(out))
`;

let entries: Entry[] | null = null;
const compiled = new Map<object, ValidateFunction>();

function tempestAjv(): Ajv {
  // tempest validates with jsonschema's Draft4Validator: unknown keywords and formats pass
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv, ['ipv4', 'ipv6', 'uuid', 'uri', 'date-time']);
  ajv.addFormat('iso8601-date-time', /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/);
  ajv.addFormat('base64', { validate: (s: string) => Buffer.from(s, 'base64').toString('base64') === s.replace(/\s+/g, '') });
  return ajv;
}
const ajv = tempestAjv();

/** Whether tempest is installed for the system python (scripts/install-deps.sh installs it). */
export function tempestAvailable(): boolean {
  try {
    load();
    return true;
  } catch {
    return false;
  }
}

function load(): Entry[] {
  entries ??= JSON.parse(execFileSync('/usr/bin/python3', ['-c', EXPORT], { encoding: 'utf8', timeout: 60_000 })) as Entry[];
  return entries;
}

/** The tempest module whose schemas apply at a version (e.g. 'tempest.lib.api_schema.response.compute.v2_73.servers'). */
export function tempestEntry(version: string): Entry {
  const v = Microversion.parse(version);
  const found = load().find((e) => v.matches(Microversion.parse(e.min), e.max ? Microversion.parse(e.max) : null));
  if (!found) throw new Error(`tempest has no server schema for ${version}`);
  return found;
}

/** Problems tempest's schema finds in a response body at a version ([] when it passes). */
export function tempestProblems(name: TempestServerSchema, version: string, body: unknown): string[] {
  const schema = tempestEntry(version).schemas[name];
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  if (fn(body)) return [];
  return (fn.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}
