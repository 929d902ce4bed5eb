import type Koa from 'koa';
import { BadRequest, UnsupportedMediaType } from '../../errors';
import { readJsonBody } from '../middleware/body';
import { validateInput } from '../validation';
import { assertSettable } from '../../image/attributes';
import type { ImageChange } from '../../image/changes';
import { patchBody } from './schemas/images';
import { imageValidationSchema } from './schemas/image-document';

/** Glance's two JSON-patch dialects: v2.0 writes `{"replace": "/name", ...}`, v2.1 `{"op": "replace", "path": "/name", ...}`. */
const MEDIA_TYPES: Record<string, 'v2.0' | 'v2.1'> = {
  'application/openstack-images-v2.0-json-patch': 'v2.0',
  'application/openstack-images-v2.1-json-patch': 'v2.1',
};
const OPERATIONS = ['add', 'remove', 'replace'] as const;
type Operation = (typeof OPERATIONS)[number];

export interface PatchRequest {
  readonly changes: ImageChange[];
  /** v2.0 refuses to `add` an existing property */
  readonly strictAdd: boolean;
}

/** Reads and checks a PATCH body as Glance's deserializer does: 415, then 400s, then 403 for attributes no one sets. */
export async function readPatchRequest(ctx: Koa.Context, maxBytes: number): Promise<PatchRequest> {
  const dialect = MEDIA_TYPES[ctx.request.type];
  if (!dialect) {
    const err = new UnsupportedMediaType(`Unsupported Content-Type ${ctx.get('content-type') || '(none)'}`);
    err.headers = { 'Accept-Patch': Object.keys(MEDIA_TYPES).sort().join(', ') };
    throw err;
  }
  const body = await readJsonBody(ctx, maxBytes);
  if (body === undefined) throw new BadRequest('Body expected in request.');
  if (!Array.isArray(body)) throw new BadRequest('Request body must be a JSON array of operation objects.');
  validateInput(patchBody, body);
  const changes = (body as Record<string, unknown>[]).map((raw) => toChange(raw, dialect));
  return { changes, strictAdd: dialect === 'v2.0' };
}

function toChange(raw: Record<string, unknown>, dialect: 'v2.0' | 'v2.1'): ImageChange {
  const { op, path } = dialect === 'v2.1' ? draft10Operation(raw) : draft4Operation(raw);
  const attribute = topLevelAttribute(path);
  assertSettable(attribute, false);
  if (op === 'remove') return { op, attribute };
  if (!('value' in raw)) throw new BadRequest(`Operation "${op}" requires a member named "value".`);
  validateInput(imageValidationSchema, { [attribute]: raw.value });
  return { op, attribute, value: raw.value };
}

function draft10Operation(raw: Record<string, unknown>): { op: Operation; path: string } {
  const op = raw.op as string | undefined;
  if (op === undefined) throw new BadRequest(`Unable to find \`op\` in JSON Schema change. It must be one of the following: ${OPERATIONS.join(', ')}.`);
  if (!(OPERATIONS as readonly string[]).includes(op)) throw new BadRequest(`Invalid operation: \`${op}\`. It must be one of the following: ${OPERATIONS.join(', ')}.`);
  if (typeof raw.path !== 'string') throw new BadRequest("Unable to find 'path' in JSON Schema change");
  return { op: op as Operation, path: raw.path };
}

function draft4Operation(raw: Record<string, unknown>): { op: Operation; path: string } {
  const present = OPERATIONS.filter((o) => o in raw);
  if (present.length !== 1) throw new BadRequest('Operation objects must contain exactly one member named "add", "remove", or "replace".');
  return { op: present[0], path: raw[present[0]] as string };
}

/** Decodes a JSON pointer; only one level deep (`/name`, not `/tags/0`), as Glance allows. */
function topLevelAttribute(pointer: string): string {
  if (!pointer.startsWith('/')) throw new BadRequest(`Pointer \`${pointer}\` does not start with "/".`);
  if (pointer.length > 1 && pointer.endsWith('/')) throw new BadRequest(`Pointer \`${pointer}\` end with "/".`);
  if (/~[^01]|~$/.test(pointer)) throw new BadRequest(`Pointer \`${pointer}\` contains "~" not part of a recognized escape sequence.`);
  const parts = pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~').trim());
  if (parts.length !== 1 || parts[0] === '') throw new BadRequest(`Invalid JSON pointer for this resource: '/${parts.join('/')}'`);
  return parts[0];
}
