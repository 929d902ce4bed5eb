import type { Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import { DriverError, InstanceNotReady } from '../../errors';

/**
 * `docker attach` to a container's TTY, as the serial console: the hijacked engine connection
 * itself is the console stream. A spawned container has Tty and OpenStdin (container-spec.ts), so
 * the stream is raw bytes both ways (no stdout/stderr framing), and the container's stdin stays
 * open after a client detaches (StdinOnce is false), so the next console can attach again.
 *
 * Only what is printed from now on comes back (logs: false): the history is os-getConsoleOutput.
 * Docker's detach keys (ctrl-p ctrl-q) still apply, as for `docker attach`: typing them ends the
 * stream, and a lone ctrl-p reaches the container with the key after it.
 */
export async function attachTty(container: Dockerode.Container, instanceUuid: string): Promise<Duplex> {
  const info = await container.inspect();
  // stopped, paused or restarting: nothing to attach to now (InstanceNotReady, Nova's 409)
  if (!info.State?.Running || info.State.Paused || info.State.Restarting) throw new InstanceNotReady(instanceUuid);
  if (!info.Config?.Tty || !info.Config.OpenStdin) {
    throw new DriverError(`container ${container.id} has no interactive TTY to attach to`);
  }
  const stream = await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, logs: false, hijack: true });
  return stream as unknown as Duplex;
}
