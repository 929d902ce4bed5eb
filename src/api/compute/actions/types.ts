import type { Services } from '../../../services';
import type { AuthContext } from '../../../identity/auth-context';
import type { Schema } from '../../validation';

export interface ActionReply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/**
 * One server action of POST /servers/{id}/action: its request body schema (the whole body,
 * `{"<name>": …}`, as Nova's per-action @validation.schema), its reply schema (null: no body),
 * and what it does. Actions are grouped by feature, one file per group, collected in index.ts.
 */
export interface ServerAction {
  readonly body: Schema;
  readonly response: Schema | null;
  handle(s: Services, auth: AuthContext, id: string, body: Record<string, any>): Promise<ActionReply>; // eslint-disable-line @typescript-eslint/no-explicit-any
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
