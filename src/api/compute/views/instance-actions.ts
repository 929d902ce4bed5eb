import { createHash } from 'node:crypto';
import type { InstanceActionEventRecord, InstanceActionRecord } from '../../../db/stores/instance-actions';
import type { Microversion } from '../../microversion';
import { isoMicros } from '../links';

/** Nova's ACTION_KEYS; ACTION_KEYS_V258 adds updated_at. */
export const actionView = (a: InstanceActionRecord, version?: Microversion) => ({
  action: a.action, instance_uuid: a.instanceUuid, request_id: a.requestId, user_id: a.userId,
  project_id: a.projectId, start_time: isoMicros(a.startTime), message: a.message,
  ...(version?.atLeast('2.58') ? { updated_at: isoMicros(a.updatedAt ?? a.startTime) } : {}),
});

/** Nova's utils.generate_hostid: sha224 of project id + host, "" without a host. */
const hostIdOf = (host: string | null | undefined, projectId: string) =>
  (host ? createHash('sha224').update(projectId + host).digest('hex') : '');

export interface EventViewOptions {
  /** the events policy passed (admins) */
  readonly showTraceback: boolean;
  /** 2.62 and admin */
  readonly showHost?: boolean;
  /** 2.62: the project the hostId is hashed with (the action's, else the server's) */
  readonly hostIdProject?: string;
}

/** Nova's EVENT_KEYS; the traceback only where the events policy passed (admins); 2.62 host/hostId. */
export const eventView = (e: InstanceActionEventRecord, o: EventViewOptions | boolean) => {
  const opts: EventViewOptions = typeof o === 'boolean' ? { showTraceback: o } : o;
  return {
    event: e.event, start_time: isoMicros(e.startTime), finish_time: isoMicros(e.finishTime), result: e.result,
    ...(opts.showTraceback ? { traceback: e.traceback } : {}),
    ...(opts.showHost ? { host: e.host ?? '' } : {}),
    ...(opts.hostIdProject !== undefined ? { hostId: hostIdOf(e.host, opts.hostIdProject) } : {}),
  };
};
