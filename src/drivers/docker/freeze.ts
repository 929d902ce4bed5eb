import type Dockerode from 'dockerode';
import { engineStatus, isNotFound } from './engine-errors';

/**
 * pause/unpause and suspend/resume on Docker: the cgroup freezer (`docker pause` / `unpause`).
 * Every process of the container is stopped where it is, so it gets no CPU while its memory,
 * open files, sockets and network address are all kept; thawing carries on exactly there.
 *
 * suspend uses the same freezer. Nova's libvirt suspend saves the guest's memory to disk and frees
 * it; Docker can only do that with `docker checkpoint` (CRIU and an experimental daemon), so here
 * a suspended container releases its CPU time only and its memory stays resident. Docker reports
 * a frozen container as "paused" either way: the compute layer keeps vm_state (paused or
 * suspended) and maps the power state from it.
 */

/**
 * The engine's refusals are not typed alike (20.10: 409 "already paused", but 500 "is not paused"),
 * so any refusal but 404 is checked against the container's state: already so counts as success.
 */

/** freezes a running container; already frozen counts as success */
export async function freeze(container: Dockerode.Container): Promise<void> {
  try {
    await container.pause();
  } catch (err) {
    if (!refused(err) || !(await isFrozen(container))) throw err; // e.g. "is not running"
  }
}

/** thaws a frozen container; already running counts as success */
export async function thaw(container: Dockerode.Container): Promise<void> {
  try {
    await container.unpause();
  } catch (err) {
    if (!refused(err) || !(await isRunningThawed(container))) throw err;
  }
}

/** the engine answered and refused (not a socket failure, not a missing container) */
const refused = (err: unknown): boolean => engineStatus(err) !== undefined && !isNotFound(err);

async function isFrozen(container: Dockerode.Container): Promise<boolean> {
  const state = (await container.inspect()).State;
  return state?.Paused === true;
}

async function isRunningThawed(container: Dockerode.Container): Promise<boolean> {
  const state = (await container.inspect()).State;
  return state?.Running === true && state.Paused !== true;
}
