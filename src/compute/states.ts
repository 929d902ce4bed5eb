/** Nova's vm_state and task_state values (nova/compute/vm_states.py, task_states.py) that we use. */
export const VmState = {
  ACTIVE: 'active',
  BUILDING: 'building',
  STOPPED: 'stopped',
  DELETED: 'deleted',
  ERROR: 'error',
  PAUSED: 'paused',
  SUSPENDED: 'suspended',
  RESIZED: 'resized',
  RESCUED: 'rescued',
  SHELVED: 'shelved',
  SHELVED_OFFLOADED: 'shelved_offloaded',
  SOFT_DELETED: 'soft-delete',
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
  IMAGE_SNAPSHOT_PENDING: 'image_snapshot_pending',
  IMAGE_SNAPSHOT: 'image_snapshot',
  IMAGE_BACKUP: 'image_backup',
  IMAGE_PENDING_UPLOAD: 'image_pending_upload',
  IMAGE_UPLOADING: 'image_uploading',
  PAUSING: 'pausing',
  UNPAUSING: 'unpausing',
  SUSPENDING: 'suspending',
  RESUMING: 'resuming',
  REBUILDING: 'rebuilding',
  REBUILD_BLOCK_DEVICE_MAPPING: 'rebuild_block_device_mapping',
  REBUILD_SPAWNING: 'rebuild_spawning',
  RESIZE_PREP: 'resize_prep',
  RESIZE_MIGRATING: 'resize_migrating',
  RESIZE_MIGRATED: 'resize_migrated',
  RESIZE_FINISH: 'resize_finish',
  RESIZE_REVERTING: 'resize_reverting',
  RESIZE_CONFIRMING: 'resize_confirming',
  UPDATING_PASSWORD: 'updating_password',
  RESCUING: 'rescuing',
  UNRESCUING: 'unrescuing',
  SHELVING: 'shelving',
  SHELVING_IMAGE_PENDING_UPLOAD: 'shelving_image_pending_upload',
  SHELVING_IMAGE_UPLOADING: 'shelving_image_uploading',
  SHELVING_OFFLOADING: 'shelving_offloading',
  UNSHELVING: 'unshelving',
  MIGRATING: 'migrating',
  SOFT_DELETING: 'soft-deleting',
  RESTORING: 'restoring',
} as const;
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

/** rebuild and resize task_states shown as their own status (Nova's _STATE_MAP) */
const REBUILD_STATUSES = { rebuilding: 'REBUILD', rebuild_block_device_mapping: 'REBUILD', rebuild_spawning: 'REBUILD' } as const;
const RESIZE_STATUSES = { resize_prep: 'RESIZE', resize_migrating: 'RESIZE', resize_migrated: 'RESIZE', resize_finish: 'RESIZE' } as const;

/**
 * vm_state × task_state → API status: Nova's _STATE_MAP for the states we support.
 * `default` applies when the task_state has no entry of its own.
 */
const STATUS_TABLE: Record<VmState, { default: string } & Partial<Record<TaskState, string>>> = {
  active: { default: 'ACTIVE', migrating: 'MIGRATING', rebooting: 'REBOOT', rebooting_hard: 'HARD_REBOOT', updating_password: 'PASSWORD', ...REBUILD_STATUSES, ...RESIZE_STATUSES },
  building: { default: 'BUILD' },
  stopped: { default: 'SHUTOFF', ...REBUILD_STATUSES, ...RESIZE_STATUSES },
  deleted: { default: 'DELETED' },
  error: { default: 'ERROR', ...REBUILD_STATUSES },
  paused: { default: 'PAUSED' },
  suspended: { default: 'SUSPENDED' },
  resized: { default: 'VERIFY_RESIZE', resize_reverting: 'REVERT_RESIZE' },
  rescued: { default: 'RESCUE' },
  shelved: { default: 'SHELVED' },
  shelved_offloaded: { default: 'SHELVED_OFFLOADED' },
  'soft-delete': { default: 'SOFT_DELETED' },
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
export const ALL_STATUSES = ['ACTIVE', 'BUILD', 'SHUTOFF', 'DELETED', 'ERROR', 'REBOOT', 'HARD_REBOOT', 'PAUSED', 'SUSPENDED',
  'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'REVERT_RESIZE', 'PASSWORD', 'RESCUE',
  'SHELVED', 'SHELVED_OFFLOADED', 'SOFT_DELETED', 'MIGRATING'];
