import type { Knex } from 'knex';

/** One user-level action on a server (Nova's InstanceAction): what was asked, by whom, in which request. */
export interface InstanceActionRecord {
  readonly id: number;
  readonly instanceUuid: string;
  readonly requestId: string;
  /** Nova's name (nova/compute/instance_actions.py): create, delete, stop, reboot, lock, createImage, … */
  readonly action: string;
  readonly userId: string | null;
  readonly projectId: string | null;
  readonly startTime: Date;
  readonly finishTime: Date | null;
  /** null, or 'Error' once one of its events failed (Nova's action_event_finish) */
  readonly message: string | null;
  /** Nova's updated_at (2.58): the latest of its start, its finish and its events' starts and finishes */
  readonly updatedAt?: Date;
}

/** One step of an action, as the service doing it reported it (Nova's InstanceActionEvent). */
export interface InstanceActionEventRecord {
  readonly id: number;
  readonly actionId: number;
  /** `<origin>_<function>`, e.g. compute_stop_instance, api_lock */
  readonly event: string;
  readonly startTime: Date;
  readonly finishTime: Date | null;
  /** null while running, then 'Success' or 'Error' */
  readonly result: EventResult | null;
  readonly traceback: string | null;
  /** 2.62: the compute host the event ran on (the server's host when it started; null in older rows) */
  readonly host?: string | null;
}

export type EventResult = 'Success' | 'Error';

export type NewInstanceAction = Omit<InstanceActionRecord, 'id' | 'finishTime' | 'message'>;

export class InstanceActionStore {
  constructor(private readonly db: Knex) {}

  /** Nova's action_start: returns the new action's id. */
  async start(a: NewInstanceAction): Promise<number> {
    const [row] = await this.db('instance_actions').insert({
      instance_uuid: a.instanceUuid, request_id: a.requestId, action: a.action, user_id: a.userId,
      project_id: a.projectId, start_time: a.startTime.getTime(), finish_time: null, message: null,
    }).returning('id');
    return Number(typeof row === 'object' ? row.id : row);
  }

  async finish(actionId: number, at: Date): Promise<void> {
    await this.db('instance_actions').where('id', actionId).update({ finish_time: at.getTime() });
  }

  /** A server's actions, newest first (Nova's actions_get: created_at desc, id desc), with their updated_at. */
  async list(instanceUuid: string): Promise<InstanceActionRecord[]> {
    const rows = await this.db('instance_actions').where('instance_uuid', instanceUuid)
      .orderBy([{ column: 'start_time', order: 'desc' }, { column: 'id', order: 'desc' }]);
    return this.withUpdatedAt(rows.map(toAction));
  }

  /** Nova updates an action's updated_at as its events start and finish (action_event_start/finish). */
  async withUpdatedAt(actions: InstanceActionRecord[]): Promise<InstanceActionRecord[]> {
    if (actions.length === 0) return actions;
    const rows = await this.db('instance_actions_events').whereIn('action_id', actions.map((a) => a.id))
      .groupBy('action_id').select('action_id').max({ s: 'start_time' }).max({ f: 'finish_time' });
    const latest = new Map<number, number>();
    for (const r of rows as { action_id: number; s: unknown; f: unknown }[]) {
      latest.set(Number(r.action_id), Math.max(Number(r.s ?? 0), Number(r.f ?? 0)));
    }
    return actions.map((a) => ({
      ...a,
      updatedAt: new Date(Math.max(a.startTime.getTime(), a.finishTime?.getTime() ?? 0, latest.get(a.id) ?? 0)),
    }));
  }

  /** The newest action of this server with this request id, or null (Nova's action_get_by_request_id). */
  async findByRequestId(instanceUuid: string, requestId: string): Promise<InstanceActionRecord | null> {
    const row = await this.db('instance_actions').where({ instance_uuid: instanceUuid, request_id: requestId })
      .orderBy([{ column: 'start_time', order: 'desc' }, { column: 'id', order: 'desc' }]).first();
    return row ? toAction(row) : null;
  }

  /** The server's newest action, or null: where events go that no request context names (Nova's fallback after a restart). */
  async latest(instanceUuid: string): Promise<InstanceActionRecord | null> {
    const row = await this.db('instance_actions').where('instance_uuid', instanceUuid)
      .orderBy([{ column: 'start_time', order: 'desc' }, { column: 'id', order: 'desc' }]).first();
    return row ? toAction(row) : null;
  }

  /** Nova's action_event_start: returns the new event's id. */
  async startEvent(actionId: number, event: string, at: Date): Promise<number> {
    const host = this.db('instances as i').join('instance_actions as a', 'a.instance_uuid', 'i.uuid').where('a.id', actionId).select('i.host');
    const [row] = await this.db('instance_actions_events').insert({
      action_id: actionId, event, start_time: at.getTime(), finish_time: null, result: null, traceback: null, host,
    }).returning('id');
    return Number(typeof row === 'object' ? row.id : row);
  }

  /** Nova's action_event_finish: an Error result also marks its action's message 'Error'. */
  async finishEvent(eventId: number, result: EventResult, at: Date, traceback: string | null = null): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('instance_actions_events').where('id', eventId).update({ result, finish_time: at.getTime(), traceback });
      if (result === 'Error') {
        await trx('instance_actions')
          .whereIn('id', trx('instance_actions_events').select('action_id').where('id', eventId))
          .update({ message: 'Error' });
      }
    });
  }

  /**
   * After a restart: the server's events the dead process left unfinished (started before
   * `before`) end now with Error and `traceback` (their actions' message 'Error'), and its
   * unfinished actions are finished. Returns how many events were finished.
   */
  async finishInterrupted(instanceUuid: string, before: Date, at: Date, traceback: string): Promise<number> {
    return this.db.transaction(async (trx) => {
      const actions = trx('instance_actions').select('id').where('instance_uuid', instanceUuid);
      const open: { id: number; action_id: number }[] = await trx('instance_actions_events').whereIn('action_id', actions)
        .whereNull('finish_time').where('start_time', '<', before.getTime()).select('id', 'action_id');
      if (open.length) {
        await trx('instance_actions_events').whereIn('id', open.map((e) => e.id)).update({ result: 'Error', finish_time: at.getTime(), traceback });
        await trx('instance_actions').whereIn('id', [...new Set(open.map((e) => e.action_id))]).update({ message: 'Error' });
      }
      await trx('instance_actions').where('instance_uuid', instanceUuid).whereNull('finish_time')
        .where('start_time', '<', before.getTime()).update({ finish_time: at.getTime() });
      return open.length;
    });
  }

  /** An action's events, newest first (Nova's action_events_get). */
  async events(actionId: number): Promise<InstanceActionEventRecord[]> {
    const rows = await this.db('instance_actions_events').where('action_id', actionId)
      .orderBy([{ column: 'start_time', order: 'desc' }, { column: 'id', order: 'desc' }]);
    return rows.map(toEvent);
  }
}

const date = (v: unknown) => (v === null || v === undefined ? null : new Date(Number(v)));

function toAction(r: Record<string, any>): InstanceActionRecord { // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    id: Number(r.id), instanceUuid: r.instance_uuid, requestId: r.request_id, action: r.action, userId: r.user_id,
    projectId: r.project_id, startTime: date(r.start_time)!, finishTime: date(r.finish_time), message: r.message,
  };
}

function toEvent(r: Record<string, any>): InstanceActionEventRecord { // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    id: Number(r.id), actionId: Number(r.action_id), event: r.event, startTime: date(r.start_time)!,
    finishTime: date(r.finish_time), result: r.result, traceback: r.traceback, host: r.host ?? null,
  };
}
