import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ValidationError } from '../errors';

export type Schema = Record<string, unknown>;

const ajv = new Ajv({ strict: true, allErrors: false, allowUnionTypes: true });
addFormats(ajv);
ajv.addFormat('uuid-ish', /^[0-9a-fA-F-]{32,36}$/);
ajv.addKeyword({ keyword: 'x-nova', schemaType: 'object' });

const compiled = new WeakMap<Schema, ValidateFunction>();

/** Compiles once per schema object (all schemas are module-level constants). */
export function validator(schema: Schema): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

/** Validates input and throws Nova's message: "Invalid input for field/attribute X. Value: V. why". */
export function validateInput(schema: Schema, value: unknown): void {
  const fn = validator(schema);
  if (fn(value)) return;
  throw new ValidationError(novaMessage(fn.errors![0], value));
}

/** Returns a list of problems instead of throwing (used for responses). */
export function responseProblems(schema: Schema, value: unknown): string[] {
  const fn = validator(schema);
  if (fn(value)) return [];
  return (fn.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

function novaMessage(error: ErrorObject, root: unknown): string {
  const field = fieldName(error);
  const value = valueAt(root, error.instancePath);
  return `Invalid input for field/attribute ${field}. Value: ${printable(value)}. ${reason(error)}`;
}

function fieldName(error: ErrorObject): string {
  const parts = error.instancePath.split('/').filter(Boolean);
  if (error.keyword === 'required') return String(error.params.missingProperty);
  return parts.length ? parts[parts.length - 1] : 'body';
}

function reason(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': return `'${p.missingProperty}' is a required property`;
    case 'additionalProperties': return `Additional properties are not allowed ('${p.additionalProperty}' was unexpected)`;
    case 'type': return `is not of type '${p.type}'`;
    case 'maxLength': return `is too long (maximum ${p.limit} characters)`;
    case 'minLength': return `is too short (minimum ${p.limit} characters)`;
    case 'enum': return `is not one of ${JSON.stringify(p.allowedValues)}`;
    case 'pattern': return `does not match '${p.pattern}'`;
    default: return error.message ?? 'is invalid';
  }
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const raw of pointer.split('/').filter(Boolean)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
  }
  return cur;
}

function printable(value: unknown): string {
  const s = typeof value === 'string' ? value : safeJson(value);
  return s === undefined ? 'None' : s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** JSON.stringify that cannot throw (cycles are impossible in parsed input, but depth is not) */
function safeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return '…';
  }
}
