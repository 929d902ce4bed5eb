import { InstanceInvalidState } from '../errors';
import type { TaskState, VmState } from './states';

export interface StateRequirement {
  readonly vm?: readonly VmState[];
  readonly task?: readonly (TaskState | null)[];
}

/** Nova's check_instance_state: throws the 409 "Cannot 'x' instance … while it is in …". */
export function requireState(instance: { uuid: string; vmState: VmState; taskState: TaskState | null },
  req: StateRequirement, method: string): void {
  if (req.vm && !req.vm.includes(instance.vmState)) {
    throw new InstanceInvalidState(instance.uuid, 'vm_state', instance.vmState, method);
  }
  if (req.task && !req.task.includes(instance.taskState)) {
    throw new InstanceInvalidState(instance.uuid, 'task_state', instance.taskState, method);
  }
}
