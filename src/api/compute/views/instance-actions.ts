import type { InstanceActionEventRecord, InstanceActionRecord } from '../../../db/stores/instance-actions';
import { isoMicros } from '../links';

/** Nova 2.1's ACTION_KEYS. */
export const actionView = (a: InstanceActionRecord) => ({
  action: a.action, instance_uuid: a.instanceUuid, request_id: a.requestId, user_id: a.userId,
  project_id: a.projectId, start_time: isoMicros(a.startTime), message: a.message,
});

/** Nova's EVENT_KEYS; the traceback only where the events policy passed (admins). */
export const eventView = (e: InstanceActionEventRecord, showTraceback: boolean) => ({
  event: e.event, start_time: isoMicros(e.startTime), finish_time: isoMicros(e.finishTime), result: e.result,
  ...(showTraceback ? { traceback: e.traceback } : {}),
});
