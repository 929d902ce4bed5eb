import { PowerState } from '../driver';

/**
 * Docker's container State.Status → Nova power state. Docker has no "suspended"; a container
 * that was created but never started counts as shut down, like a defined-but-off libvirt domain.
 */
const POWER_STATE_BY_STATUS: Readonly<Record<string, PowerState>> = Object.freeze({
  running: PowerState.RUNNING,
  paused: PowerState.PAUSED,
  // only a restart policy makes the engine restart a container, and we never set one;
  // if an operator did, the engine is bringing it back up
  restarting: PowerState.RUNNING,
  created: PowerState.SHUTDOWN,
  exited: PowerState.SHUTDOWN,
  dead: PowerState.CRASHED,
  // on its way out: nothing sensible to report
  removing: PowerState.NOSTATE,
});

export function powerStateOf(status: string | undefined): PowerState {
  return (status && POWER_STATE_BY_STATUS[status.toLowerCase()]) || PowerState.NOSTATE;
}
