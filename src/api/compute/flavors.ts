import type { Config } from '../../config';
import type { Services } from '../../services';
import type { FlavorRecord } from '../../db/stores/flavors';
import type { Input, RouteDef } from '../routing';
import { BadRequest, ItemNotFound } from '../../errors';
import * as schemas from './schemas/flavors';
import { flavorDetail, flavorSummary } from './views/flavors';
import { nextLink } from './links';
import { lastValue, Query } from '../query';

const last = lastValue;

/** /flavors: list, detail, show and extra specs, as the caller may see them (writes: flavor-admin.ts). */
export function flavorRoutes(s: Services, config: Config): RouteDef[] {
  const listed = async (input: Input) => {
    const q = input.query;
    const all = await s.flavors.list({
      isPublic: isPublicFilter(last(q.is_public), input.auth.isAdmin), minRam: intFilter(last(q.minRam), 'minRam'),
      minDisk: intFilter(last(q.minDisk), 'minDisk'), sortKey: last(q.sort_key), sortDir: last(q.sort_dir) as 'asc' | 'desc' | undefined,
      viewer: input.auth,
    });
    return pageOf(all, q);
  };
  const withLinks = (input: Input, page: FlavorRecord[], limit: number, path: string) =>
    page.length && page.length === limit ? { flavors_links: nextLink(config.publicUrl, path, input.query, page[page.length - 1].id) } : {};
  const base = { auth: 'token' as const, body: null };
  const specsFor = async (input: Input, page: FlavorRecord[]) =>
    (input.version.atLeast('2.61') ? s.flavors.extraSpecsOf(page.map((f) => f.id)) : {});
  return [
    {
      ...base, name: 'flavors.index', method: 'GET', path: '/flavors', ...schemas.list, errors: [400],
      handler: async (input) => {
        const { page, limit } = await listed(input);
        const view = (f: FlavorRecord) => flavorSummary(f, config.publicUrl, { version: input.version });
        return { status: 200, body: { flavors: page.map(view), ...withLinks(input, page, limit, 'flavors') } };
      },
    },
    {
      ...base, name: 'flavors.detail', method: 'GET', path: '/flavors/detail', ...schemas.detail, errors: [400],
      handler: async (input) => {
        const { page, limit } = await listed(input);
        const specs: Record<string, Record<string, string>> = await specsFor(input, page);
        const view = (f: FlavorRecord) => flavorDetail(f, config.publicUrl, { version: input.version, extraSpecs: specs[f.id] });
        return { status: 200, body: { flavors: page.map(view), ...withLinks(input, page, limit, 'flavors/detail') } };
      },
    },
    {
      ...base, name: 'flavors.show', method: 'GET', path: '/flavors/:id', ...schemas.show, errors: [404],
      handler: async (input) => {
        const flavor = await s.flavors.find(input.params.id, input.auth);
        const specs: Record<string, Record<string, string>> = await specsFor(input, [flavor]);
        return { status: 200, body: { flavor: flavorDetail(flavor, config.publicUrl, { version: input.version, extraSpecs: specs[flavor.id] }) } };
      },
    },
    {
      ...base, name: 'flavors.extra_specs.index', method: 'GET', path: '/flavors/:id/os-extra_specs', ...schemas.extraSpecsList, errors: [404],
      handler: async (input) => ({ status: 200, body: { extra_specs: await s.flavors.extraSpecs(input.params.id, input.auth) } }),
    },
    {
      ...base, name: 'flavors.extra_specs.show', method: 'GET', path: '/flavors/:id/os-extra_specs/:key', ...schemas.extraSpecShow, errors: [404],
      handler: async (input) => {
        const specs = await s.flavors.extraSpecs(input.params.id, input.auth);
        const key = input.params.key;
        if (!Object.hasOwn(specs, key)) throw new ItemNotFound(`Flavor ${input.params.id} has no extra specs with key ${key}.`);
        return { status: 200, body: { [key]: specs[key] } };
      },
    },
  ];
}

function pageOf(all: FlavorRecord[], q: Query): { page: FlavorRecord[]; limit: number } {
  const limit = Math.min(Number(last(q.limit) ?? 1000), 1000);
  const marker = last(q.marker);
  let start = 0;
  if (marker !== undefined) {
    const at = all.findIndex((f) => f.id === marker);
    if (at < 0) throw new BadRequest(`marker [${marker}] not found`);
    start = at + 1;
  }
  return { page: all.slice(start, start + limit), limit };
}

/** Nova: non-admins always see public flavors; admins may ask for private ones or all ('none'). */
function isPublicFilter(value: string | undefined, isAdmin: boolean): boolean | null {
  if (!isAdmin || value === undefined) return true;
  const v = value.toLowerCase();
  if (v === 'none') return null;
  if (['true', 't', '1', 'yes', 'y', 'on'].includes(v)) return true;
  if (['false', 'f', '0', 'no', 'n', 'off'].includes(v)) return false;
  throw new BadRequest(`Invalid is_public filter [${value}]`);
}

function intFilter(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new BadRequest(`Invalid ${name} filter [${value}]`);
  return n;
}
