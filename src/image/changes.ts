import type { AuthContext } from '../identity/auth-context';
import type { ImageFields, ImageRecord, Visibility } from '../db/stores/images';
import { Conflict, Forbidden, PayloadTooLarge } from '../errors';
import { assertSettable, isWritable, MAX_PROPERTIES, MAX_TAGS, WritableAttribute } from './attributes';
import { requireMayPublish } from './policy';

/** One JSON-patch operation on a top-level image attribute, by its API name; values are schema-checked. */
export interface ImageChange {
  readonly op: 'add' | 'replace' | 'remove';
  readonly attribute: string;
  readonly value?: unknown;
}

export interface ChangeOptions {
  /** the v2.0 (draft 4) patch media type refuses to `add` what exists; v2.1 treats it as replace */
  readonly strictAdd: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function fieldsOf(image: ImageRecord): ImageFields {
  const { name, owner, visibility, containerFormat, diskFormat, minDisk, minRam, osHidden, tags, properties } = image;
  return { name, owner, visibility, containerFormat, diskFormat, minDisk, minRam, protected: image.protected, osHidden, tags, properties };
}

/** Applies changes in order, as Glance does, and returns the fields to save. */
export function applyChanges(image: ImageRecord, changes: readonly ImageChange[], opts: ChangeOptions, auth: AuthContext): ImageFields {
  const fields: Mutable<ImageFields> = { ...fieldsOf(image), properties: { ...image.properties } };
  for (const change of changes) {
    assertSettable(change.attribute, false);
    if (isWritable(change.attribute)) changeAttribute(fields, image, change, auth);
    else changeProperty(fields.properties as Record<string, string>, change, opts);
  }
  if (Object.keys(fields.properties).length > MAX_PROPERTIES) {
    throw new PayloadTooLarge(`The limit has been exceeded on the number of allowed image properties. Maximum: ${MAX_PROPERTIES}`);
  }
  return fields;
}

function changeAttribute(fields: Mutable<ImageFields>, image: ImageRecord, change: ImageChange, auth: AuthContext): void {
  const name = change.attribute as WritableAttribute;
  if (change.op === 'remove') throw new Forbidden(`Property ${name} may not be removed.`);
  const value = change.value;
  switch (name) {
    case 'name': fields.name = value as string | null; break;
    case 'visibility':
      requireMayPublish(value as string, auth);
      fields.visibility = value as Visibility;
      break;
    case 'protected': fields.protected = value as boolean; break;
    case 'os_hidden': fields.osHidden = value as boolean; break;
    case 'min_ram': fields.minRam = value as number; break;
    case 'min_disk': fields.minDisk = value as number; break;
    case 'container_format': fields.containerFormat = formatWhileQueued(image, name, value); break;
    case 'disk_format': fields.diskFormat = formatWhileQueued(image, name, value); break;
    case 'tags': fields.tags = uniqueTags(value as string[]); break;
    case 'owner':
      if (!auth.isAdmin) throw new Forbidden("Owner can't be updated by non admin.");
      fields.owner = value as string | null;
      break;
  }
}

function changeProperty(properties: Record<string, string>, change: ImageChange, opts: ChangeOptions): void {
  const { attribute: key, op } = change;
  const exists = Object.prototype.hasOwnProperty.call(properties, key);
  if (op === 'remove' || op === 'replace') {
    if (!exists) throw new Conflict(`Property ${key} does not exist.`);
  } else if (exists && opts.strictAdd) {
    throw new Conflict(`Property ${key} already present.`);
  }
  if (op === 'remove') delete properties[key];
  else properties[key] = change.value as string;
}

/** Formats describe the data, so they are fixed once data has arrived. */
function formatWhileQueued(image: ImageRecord, name: string, value: unknown): string | null {
  if (image.status !== 'queued') throw new Forbidden(`Attribute ${name} can be only replaced for a queued image.`);
  return value as string | null;
}

export function uniqueTags(tags: readonly string[]): string[] {
  const unique = [...new Set(tags)];
  if (unique.length > MAX_TAGS) throw new PayloadTooLarge(`Maximum number of tags exceeded: ${unique.length} tags attempted, ${MAX_TAGS} allowed.`);
  return unique;
}
