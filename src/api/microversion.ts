import { NotAcceptable, BadRequest } from '../errors';
import { HISTORY } from './microversion-history';

export { HISTORY };

/** A compute API microversion "2.N" (Nova's APIVersionRequest, reduced to what we use). */
export class Microversion {
  constructor(readonly major: number, readonly minor: number) {}

  static parse(text: string): Microversion {
    const m = /^([1-9]\d*)\.([1-9]\d*|0)$/.exec(text.trim());
    if (!m) throw new BadRequest(`API Version String ${text} is of invalid format. Must be of format MajorNum.MinorNum.`);
    return new Microversion(Number(m[1]), Number(m[2]));
  }

  compare(other: Microversion): number {
    return this.major - other.major || this.minor - other.minor;
  }

  atLeast(text: string): boolean {
    return this.compare(Microversion.parse(text)) >= 0;
  }

  matches(min: Microversion, max: Microversion | null): boolean {
    return this.compare(min) >= 0 && (max === null || this.compare(max) <= 0);
  }

  toString(): string {
    return `${this.major}.${this.minor}`;
  }
}


export const MIN_VERSION = Microversion.parse(HISTORY[0].version);
export const MAX_VERSION = Microversion.parse(HISTORY[HISTORY.length - 1].version);

const LEGACY_HEADER = 'x-openstack-nova-api-version';
const NEW_HEADER = 'openstack-api-version';

/** Reads the requested version from either header; null when none was asked for. */
export function requestedVersion(headers: Record<string, string | string[] | undefined>): string | null {
  const modern = headerValue(headers[NEW_HEADER]);
  if (modern) {
    for (const part of modern.split(',')) {
      const [service, version] = part.trim().split(/\s+/);
      if (service?.toLowerCase() === 'compute' && version) return version;
    }
  }
  return headerValue(headers[LEGACY_HEADER]);
}

function headerValue(raw: string | string[] | undefined): string | null {
  if (Array.isArray(raw)) return raw[raw.length - 1] ?? null;
  return raw && raw.trim() ? raw.trim() : null;
}

/** Resolves a requested version string ("latest", "2.N" or none) against MIN/MAX; 406 outside. */
export function negotiate(requested: string | null): Microversion {
  if (requested === null) return MIN_VERSION;
  if (requested.toLowerCase() === 'latest') return MAX_VERSION;
  const version = Microversion.parse(requested);
  if (!version.matches(MIN_VERSION, MAX_VERSION)) {
    throw new NotAcceptable(`Version ${version} is not supported by the API. Minimum is ${MIN_VERSION} and maximum is ${MAX_VERSION}.`);
  }
  return version;
}

export const VERSION_HEADERS = {
  legacy: 'X-OpenStack-Nova-API-Version',
  modern: 'OpenStack-API-Version',
  vary: `${'OpenStack-API-Version'}, ${'X-OpenStack-Nova-API-Version'}`,
};

/** One entry of a per-version table: applies from min up to max (inclusive; null = open). */
export interface VersionedEntry<T> {
  readonly min: string;
  readonly max?: string;
  readonly value: T;
}

/** A contiguous, non-overlapping table of entries by microversion (Nova's Schemas.validate_schemas). */
export class Versioned<T> {
  private readonly entries: { min: Microversion; max: Microversion | null; value: T }[];

  constructor(entries: readonly VersionedEntry<T>[]) {
    this.entries = entries
      .map((e) => ({ min: Microversion.parse(e.min), max: e.max ? Microversion.parse(e.max) : null, value: e.value }))
      .sort((a, b) => a.min.compare(b.min));
    assertContiguous(this.entries);
  }

  /** The entry for a version; unversioned APIs (identity, image) pass null and get the only entry. */
  pick(version: Microversion | null): T {
    if (version === null) return this.entries[0].value;
    const found = this.entries.find((e) => version.matches(e.min, e.max));
    if (!found) throw new Error(`no entry for microversion ${version}`);
    return found.value;
  }

  values(): T[] {
    return this.entries.map((e) => e.value);
  }
}

function assertContiguous(entries: { min: Microversion; max: Microversion | null }[]): void {
  if (entries.length === 0) throw new Error('a version table needs at least one entry');
  if (entries[0].min.compare(MIN_VERSION) !== 0) throw new Error(`version table starts at ${entries[0].min}, not ${MIN_VERSION}`);
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1].max;
    if (prev === null) throw new Error(`version table entry before ${entries[i].min} is open-ended`);
    const next = new Microversion(prev.major, prev.minor + 1);
    if (next.compare(entries[i].min) !== 0) throw new Error(`version table has a gap or overlap at ${entries[i].min}`);
  }
  if (entries[entries.length - 1].max !== null) throw new Error('the last entry of a version table must be open-ended');
}

export const versioned = <T>(entries: readonly VersionedEntry<T>[]): Versioned<T> => new Versioned(entries);
export const always = <T>(value: T): Versioned<T> => new Versioned([{ min: MIN_VERSION.toString(), value }]);
