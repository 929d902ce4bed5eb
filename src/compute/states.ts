/** Nova's vm_state and task_state values (nova/compute/vm_states.py, task_states.py) that we use. */
export const VmState = {
  ACTIVE: 'active',
  BUILDING: 'building',
  STOPPED: 'stopped',
  DELETED: 'deleted',
  ERROR: 'error',
} as const;
export type VmState = (typeof VmState)[keyof typeof VmState];

export const TaskState = {
  SCHEDULING: 'scheduling',
  SPAWNING: 'spawning',
  POWERING_OFF: 'powering-off',
  POWERING_ON: 'powering-on',
  REBOOTING: 'rebooting',
  REBOOTING_HARD: 'rebooting_hard',
  DELETING: 'deleting',
} as const;
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

/**
 * vm_state × task_state → API status: Nova's _STATE_MAP for the states we support.
 * `default` applies when the task_state has no entry of its own.
 */
const STATUS_TABLE: Record<VmState, { default: string } & Partial<Record<TaskState, string>>> = {
  active: { default: 'ACTIVE', rebooting: 'REBOOT', rebooting_hard: 'HARD_REBOOT' },
  building: { default: 'BUILD' },
  stopped: { default: 'SHUTOFF' },
  deleted: { default: 'DELETED' },
  error: { default: 'ERROR' },
};

export function statusOf(vm: VmState, task: TaskState | null): string {
  const row = STATUS_TABLE[vm];
  return (task !== null && row[task]) || row.default;
}

/** The vm_states an API status filter (`?status=`) stands for (Nova's task_and_vm_state_from_status). */
export function vmStatesForStatus(status: string): { vm: VmState[]; task?: TaskState[] } {
  const upper = status.toUpperCase();
  const vm = (Object.keys(STATUS_TABLE) as VmState[]).filter((s) => STATUS_TABLE[s].default === upper);
  const withTask = (Object.keys(STATUS_TABLE) as VmState[]).flatMap((s) =>
    Object.entries(STATUS_TABLE[s]).filter(([k, v]) => k !== 'default' && v === upper).map(([k]) => ({ vm: s, task: k as TaskState })));
  if (withTask.length) return { vm: withTask.map((w) => w.vm), task: withTask.map((w) => w.task) };
  return { vm };
}

/** Statuses a client may filter on (unknown ones give an empty list, as Nova does). */
export const ALL_STATUSES = ['ACTIVE', 'BUILD', 'SHUTOFF', 'DELETED', 'ERROR', 'REBOOT', 'HARD_REBOOT'];
