import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log';
import type { AuthContext } from '../identity/auth-context';
import type { EventResult, InstanceActionEventRecord, InstanceActionRecord, InstanceActionStore } from '../db/stores/instance-actions';
import { ItemNotFound } from '../errors';

/** The action the current background work belongs to (Nova carries it in the RPC context's request_id). */
interface ActionScope {
  readonly instanceUuid: string;
  readonly actionId: number;
}

/**
 * Nova's names for actions whose 409 method name differs (compute/instance_actions.py);
 * anything else is recorded under its method name (stop, start, reboot, pause, rebuild, resize, …).
 */
const ACTION_NAMES: Readonly<Record<string, string>> = {
  snapshot: 'createImage', backup: 'createBackup', set_admin_password: 'changePassword', changePassword: 'changePassword',
  confirm_resize: 'confirmResize', revert_resize: 'revertResize', shelve_offload: 'shelveOffload',
  live_migrate: 'live-migration', reset_state: 'resetState',
};

/**
 * The event names of Nova's compute manager functions (@wrap_instance_event(prefix='compute')),
 * by the name ComputeManager.run is given; others are recorded as `compute_<name>`.
 */
const EVENT_NAMES: Readonly<Record<string, string>> = {
  spawn: 'compute__do_build_and_run_instance', delete: 'compute_terminate_instance', destroy: 'compute_terminate_instance',
  stop: 'compute_stop_instance', start: 'compute_start_instance', reboot: 'compute_reboot_instance',
  pause: 'compute_pause_instance', unpause: 'compute_unpause_instance', suspend: 'compute_suspend_instance',
  resume: 'compute_resume_instance', rebuild: 'compute_rebuild_instance', snapshot: 'compute_snapshot_instance',
  createImage: 'compute_snapshot_instance', backup: 'compute_backup_instance', createBackup: 'compute_backup_instance',
  resize: 'compute_resize_instance', confirmResize: 'compute_confirm_resize', revertResize: 'compute_revert_resize',
  rescue: 'compute_rescue_instance', unrescue: 'compute_unrescue_instance', shelve: 'compute_shelve_instance',
  unshelve: 'compute_unshelve_instance', changePassword: 'compute_set_admin_password',
  set_admin_password: 'compute_set_admin_password',
  cold_migrate: 'cold_migrate', live_migration: 'conductor_live_migrate_instance',
  soft_delete: 'compute_soft_delete_instance', restore: 'compute_restore_instance',
};

/** Nova's instance action name for an ActionSpec method. */
export function novaActionName(method: string): string {
  return Object.hasOwn(ACTION_NAMES, method) ? ACTION_NAMES[method] : method;
}

/** Nova's compute event name for a ComputeManager.run name. */
export function computeEventName(name: string): string {
  return Object.hasOwn(EVENT_NAMES, name) ? EVENT_NAMES[name] : `compute_${name}`;
}

/** A running event: finish it exactly once with the outcome. */
export interface EventHandle {
  finish(err?: unknown): Promise<void>;
}

const NO_EVENT: EventHandle = { finish: async () => undefined };

/**
 * Records instance actions and their events (Nova's _record_action_start and EventReporter).
 * ComputeService records an action when it accepts a request and runs the background work
 * inside it (`within`); ComputeManager reports events, which attach to the action of the work
 * they run in, so no feature has to record anything itself. Recording never fails the work.
 */
export class InstanceActionRecorder {
  private readonly scope = new AsyncLocalStorage<ActionScope>();

  constructor(private readonly store: InstanceActionStore, private readonly log: Logger) {}

  /** Records the start of an action on a server, under the request's id; returns its id. */
  async start(auth: AuthContext, instanceUuid: string, action: string): Promise<number> {
    return this.store.start({
      instanceUuid, requestId: auth.requestId ?? `req-${randomUUID()}`, action, userId: auth.userId || null,
      projectId: auth.projectId, startTime: new Date(),
    });
  }

  /** Runs background work as part of an action: the events it reports attach to it; the action is finished after. */
  within(instanceUuid: string, actionId: number, work: () => Promise<void>): () => Promise<void> {
    return () => this.scope.run({ instanceUuid, actionId }, async () => {
      try {
        await work();
      } finally {
        await this.store.finish(actionId, new Date()).catch((err) => this.log.warn({ err, instanceId: instanceUuid }, 'cannot finish instance action'));
      }
    });
  }

  /**
   * Starts an event of the current action (or, in work no request started, such as recovery
   * after a restart, of the server's newest action, as Nova does).
   */
  async startEvent(instanceUuid: string, event: string): Promise<EventHandle> {
    try {
      const current = this.scope.getStore();
      const actionId = current?.instanceUuid === instanceUuid ? current.actionId : (await this.store.latest(instanceUuid))?.id;
      if (actionId === undefined) return NO_EVENT;
      const eventId = await this.store.startEvent(actionId, event, new Date());
      let done = false;
      return {
        finish: async (err?: unknown) => {
          if (done) return;
          done = true;
          const result: EventResult = err === undefined ? 'Success' : 'Error';
          await this.store.finishEvent(eventId, result, new Date(), err === undefined ? null : traceback(err))
            .catch((e) => this.log.warn({ err: e, instanceId: instanceUuid }, 'cannot finish instance action event'));
        },
      };
    } catch (err) {
      this.log.warn({ err, instanceId: instanceUuid, event }, 'cannot record instance action event');
      return NO_EVENT;
    }
  }

  /** Runs `fn` as one event (Nova's @wrap_instance_event): Success, or Error with the traceback, then rethrows. */
  async event<T>(instanceUuid: string, event: string, fn: () => Promise<T>): Promise<T> {
    const handle = await this.startEvent(instanceUuid, event);
    try {
      const result = await fn();
      await handle.finish();
      return result;
    } catch (err) {
      await handle.finish(err);
      throw err;
    }
  }

  /**
   * Startup recovery: what the dead process left open on the server (events started before
   * `before`) is finished — the events with Error, their actions with a finish time — before the
   * recovery's own events are recorded. Never fails the recovery.
   */
  async finishInterrupted(instanceUuid: string, before: Date): Promise<void> {
    await this.store.finishInterrupted(instanceUuid, before, new Date(), 'The service restarted while this event was in progress.')
      .catch((err) => this.log.warn({ err, instanceId: instanceUuid }, 'cannot finish interrupted instance action events'));
  }

  list(instanceUuid: string): Promise<InstanceActionRecord[]> {
    return this.store.list(instanceUuid);
  }

  /** The action of this server with this request id; 404 with Nova's message otherwise. */
  async find(instanceUuid: string, requestId: string): Promise<InstanceActionRecord> {
    const action = await this.store.findByRequestId(instanceUuid, requestId);
    if (!action) throw new ItemNotFound(`Action ${requestId} not found`);
    return (await this.store.withUpdatedAt([action]))[0];
  }

  events(actionId: number): Promise<InstanceActionEventRecord[]> {
    return this.store.events(actionId);
  }
}

function traceback(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}
