import type { InstanceRecord } from '../../../db/stores/instances';
import type { AuthContext } from '../../../identity/auth-context';
import { resourceLinks } from '../links';
import { renderServer, ServerViewContext } from './server-fields';

/**
 * Server views. The full server bodies (show, detail, update, rebuild) come from the field table
 * in server-fields.ts (one row per key and microversion); this file keeps the small views.
 */
export { addressesView, hostId, renderServer } from './server-fields';
export type { ServerBodyKind, ServerViewContext } from './server-fields';
export { serverViewContext } from './server-extras';

export interface ViewContext extends ServerViewContext {
  readonly publicUrl: string;
  readonly auth: AuthContext;
}

export function serverLinks(i: InstanceRecord, v: Pick<ViewContext, 'publicUrl'>) {
  return resourceLinks(v.publicUrl, 'servers', i.uuid);
}

/** An item of GET /servers (every version: id, name, links). */
export function serverSummary(i: InstanceRecord, v: Pick<ViewContext, 'publicUrl'>) {
  return { id: i.uuid, name: i.displayName, links: serverLinks(i, v) };
}

/** The reply body of PUT /servers/{id} at the context's version. */
export function serverCommon(i: InstanceRecord, v: ViewContext) {
  return renderServer('update', i, v);
}

/** The full server body of GET /servers/{id} at the context's version. */
export function serverDetail(i: InstanceRecord, v: ViewContext) {
  return renderServer('show', i, v);
}
