import type { AuthContext } from '../identity/auth-context';
import type { Logger } from '../log';
import type { DriverRegistry } from '../drivers/registry';
import { PowerState } from '../drivers/driver';
import type { InstancePatch, InstanceRecord, InstanceStore } from '../db/stores/instances';
import type { TaskRunner } from './tasks';
import type { InstanceActionRecorder } from './instance-actions';
import { DomainError, InstanceNotFoundInDriver } from '../errors';
import { TaskState, VmState } from './states';
import { toDriverInstance } from './manager';

export interface ExternalEvent {
  readonly name: string;
  readonly server_uuid: string;
  readonly status?: string;
  readonly tag?: string;
}

export interface ExternalEventResult extends ExternalEvent {
  readonly status: 'failed' | 'completed';
  readonly code: number;
}

/** Nova's error for a volume that is not attached to the instance */
class VolumeBDMNotFound extends DomainError {}

/** Events Nova drops (400) without a tag. */
const TAG_REQUIRED = new Set(['volume-extended', 'power-update', 'accelerator-request-bound']);

interface Deps {
  instances: InstanceStore;
  drivers: DriverRegistry;
  tasks: TaskRunner;
  actions: InstanceActionRecorder;
  log: Logger;
}

/**
 * os-server-external-events (Nova's server_external_events.py and ComputeManager.external_instance_event).
 * Each event gets its own code: 404 for an unknown (or deleted) server, 400 for a power-update or
 * volume-extended without a tag, 422 for a server without a host; the reply is 207 unless all were
 * accepted (200). Accepted events are handled in the background, per server after its other work:
 * - network-changed: the server's addresses are read again from its engine (Nova refreshes its
 *   network info cache)
 * - network-vif-plugged / -unplugged: nothing waits for them here (Nova wakes waiters, if any)
 * - network-vif-deleted: novashim has no ports to drop from the cache (nothing to do)
 * - volume-extended (2.51): recorded as Nova's extend_volume action; novashim attaches no
 *   volumes, so its compute event fails as Nova's does for a volume not attached (VolumeBDMNotFound)
 * - power-update (2.76; tag POWER_ON/POWER_OFF): recorded as Nova's start/stop action; when the
 *   server's state allows it (Nova's _is_state_valid_for_power_update_event), the state the event
 *   claims is checked against the engine and the server takes the state its container really is in
 */
export class ExternalEventService {
  constructor(private readonly d: Deps) {}

  async create(auth: AuthContext, events: readonly ExternalEvent[]): Promise<{ status: 200 | 207; events: ExternalEventResult[] }> {
    const results: ExternalEventResult[] = [];
    const accepted: { event: ExternalEvent; instance: InstanceRecord }[] = [];
    let status: 200 | 207 = 200;
    for (const event of events) {
      const instance = await this.d.instances.find(event.server_uuid).catch(() => null);
      const fail = (code: number) => {
        results.push({ ...event, status: 'failed', code });
        status = 207;
      };
      if (!instance) fail(404);
      else if (TAG_REQUIRED.has(event.name) && event.tag === undefined) fail(400);
      else if (!instance.host) fail(422);
      else {
        results.push({ ...event, status: 'completed', code: 200 });
        accepted.push({ event, instance });
      }
    }
    for (const { event, instance } of accepted) await this.dispatch(auth, event, instance);
    return { status, events: results };
  }

  private async dispatch(auth: AuthContext, event: ExternalEvent, instance: InstanceRecord): Promise<void> {
    const uuid = instance.uuid;
    if (event.name === 'power-update') {
      const target = event.tag === 'POWER_ON' ? 'POWER_ON' : event.tag === 'POWER_OFF' ? 'POWER_OFF' : null;
      if (!target) {
        this.d.log.warn({ instanceId: uuid, tag: event.tag }, 'invalid power state in power-update event, skipped');
        return;
      }
      const actionId = await this.d.actions.start(auth, uuid, target === 'POWER_ON' ? 'start' : 'stop');
      this.d.tasks.run(uuid, 'power-update', this.d.actions.within(uuid, actionId,
        () => this.d.actions.event(uuid, 'compute_power_update', () => this.powerUpdate(uuid, target))));
    } else if (event.name === 'volume-extended') {
      const actionId = await this.d.actions.start(auth, uuid, 'extend_volume');
      this.d.tasks.run(uuid, 'volume-extended', this.d.actions.within(uuid, actionId,
        () => this.d.actions.event(uuid, 'compute_extend_volume', async () => {
          throw new VolumeBDMNotFound(`No volume Block Device Mapping with id ${event.tag}.`);
        }).catch(() => undefined)));
    } else if (event.name === 'network-changed') {
      this.d.tasks.run(uuid, 'network-changed', () => this.refreshAddresses(uuid));
    } else {
      this.d.log.info({ instanceId: uuid, event: event.name, tag: event.tag }, 'external event: nothing waits for it');
    }
  }

  /** Nova's network-changed: the addresses as the engine has them now (a stopped container has none). */
  private async refreshAddresses(uuid: string): Promise<void> {
    const instance = await this.d.instances.find(uuid).catch(() => null);
    if (!instance?.host || instance.driverState === null) return;
    try {
      const info = await this.d.drivers.forHost(instance.host).getInfo(toDriverInstance(instance));
      await this.d.instances.update(uuid, { addresses: info.addresses });
    } catch (err) {
      if (!(err instanceof InstanceNotFoundInDriver)) throw err;
      this.d.log.info({ instanceId: uuid }, 'network-changed: the instance is gone from its host');
    }
  }

  /**
   * Nova's ComputeManager.power_update, with the engine as the judge: only an ACTIVE+RUNNING server
   * (POWER_OFF) or a STOPPED+SHUTDOWN one (POWER_ON) with no task is considered; it is marked
   * powering-off/on, then the engine is asked: POWER_OFF makes it STOPPED when its container is
   * really not running, POWER_ON makes it ACTIVE when it really runs. An event the engine
   * contradicts changes nothing (the task is cleared) and is logged.
   */
  private async powerUpdate(uuid: string, target: 'POWER_ON' | 'POWER_OFF'): Promise<void> {
    const instance = await this.d.instances.find(uuid).catch(() => null);
    if (!instance) return;
    const valid = instance.taskState === null && (target === 'POWER_ON'
      ? instance.vmState === VmState.STOPPED && instance.powerState === PowerState.SHUTDOWN
      : instance.vmState === VmState.ACTIVE && instance.powerState === PowerState.RUNNING);
    if (!valid || !instance.host || instance.driverState === null) {
      this.d.log.info({ instanceId: uuid, target, vmState: instance.vmState, taskState: instance.taskState },
        'power-update event is a no-op in this state');
      return;
    }
    const task = target === 'POWER_ON' ? TaskState.POWERING_ON : TaskState.POWERING_OFF;
    if (!(await this.d.instances.update(uuid, { taskState: task }, null))) return; // lost a race: best effort, as Nova
    let patch: InstancePatch;
    try {
      const info = await this.d.drivers.forHost(instance.host).getInfo(toDriverInstance(instance));
      const running = info.powerState === PowerState.RUNNING;
      const off = ([PowerState.SHUTDOWN, PowerState.CRASHED, PowerState.NOSTATE] as number[]).includes(info.powerState);
      if (target === 'POWER_OFF' && off) patch = { vmState: VmState.STOPPED, powerState: info.powerState, addresses: [] };
      else if (target === 'POWER_ON' && running) patch = { vmState: VmState.ACTIVE, powerState: PowerState.RUNNING, addresses: info.addresses };
      else {
        this.d.log.warn({ instanceId: uuid, target, powerState: info.powerState }, 'power-update event contradicted by the engine; state kept');
        patch = {};
      }
    } catch (err) {
      await this.d.instances.update(uuid, { taskState: null });
      throw err;
    }
    await this.d.instances.update(uuid, { ...patch, taskState: null }, task);
  }
}
