import type { Services } from '../../../services';
import type { AuthContext } from '../../../identity/auth-context';
import type { Schema } from '../../validation';
import { Microversion, Versioned } from '../../microversion';
import { VersionNotFound } from '../version-gates';

export interface ActionReply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** the reply variant to check the body against: a key of the action's `replies` (absent: `response`) */
  readonly variant?: string;
}

/**
 * One server action of POST /servers/{id}/action: its request body schema (the whole body,
 * `{"<name>": …}`, as Nova's per-action @validation.schema), its reply schema (null: no body),
 * and what it does. Actions are grouped by feature, one file per group, collected in index.ts.
 */
export interface ServerAction {
  /** the body schema; a Versioned table when it changes with the microversion (Nova's per-version @validation.schema) */
  readonly body: Schema | Versioned<Schema>;
  readonly response: Schema | null;
  /** the microversions the action exists in (Nova's api_version on the action method); outside them: 404 */
  readonly minVersion?: string;
  readonly maxVersion?: string;
  /** further replies, by variant name (e.g. 'createImage@2.45'), for an action whose reply changes with the microversion */
  readonly replies?: Readonly<Record<string, Schema | null>>;
  handle(s: Services, auth: AuthContext, id: string, body: Record<string, any>, version: Microversion): Promise<ActionReply>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Nova's VersionNotFoundForAPIMethod for an action outside its microversions: a bare 404. */
export function requireActionVersion(a: ServerAction, version: Microversion): void {
  if ((a.minVersion && !version.atLeast(a.minVersion)) || (a.maxVersion && version.atLeast(nextMinor(a.maxVersion)))) {
    throw new VersionNotFound();
  }
}

function nextMinor(v: string): string {
  const m = Microversion.parse(v);
  return `${m.major}.${m.minor + 1}`;
}

/** The body schema an action validates against at a version. */
export function actionBody(a: ServerAction, version: Microversion): Schema {
  return a.body instanceof Versioned ? a.body.pick(version) : a.body;
}

export type ActionGroup = Readonly<Record<string, ServerAction>>;

/** Nova answers 202 with no body for actions that only start background work. */
export async function accepted(work: Promise<unknown>): Promise<ActionReply> {
  await work;
  return { status: 202 };
}

/** Nova validates no body for some actions: `{"os-stop": null}` and `{"os-stop": {}}` both work. */
export function anyValueBody(key: string): Schema {
  return { type: 'object', properties: { [key]: {} }, required: [key], additionalProperties: false };
}

/** `{"<key>": <inner>}` with nothing else. */
export function bodyOf(key: string, inner: object): Schema {
  return { type: 'object', properties: { [key]: inner }, required: [key], additionalProperties: false };
}
