import Docker from 'dockerode';

/** Whether a Docker engine answers; with REQUIRE_DOCKER=1 (CI) a missing engine is a failure, not a skip. */
export async function dockerOrSkip(ctx: Mocha.Context, docker: Docker): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    if (process.env.REQUIRE_DOCKER === '1') throw new Error(`REQUIRE_DOCKER=1 but no Docker engine answers: ${(err as Error).message}`);
    ctx.skip();
  }
}

export const localDocker = () => new Docker({ socketPath: '/var/run/docker.sock' });

/** The container the Docker driver made for a server, found by its ownership label. */
export async function containerOf(docker: Docker, serverId: string): Promise<Docker.ContainerInspectInfo | null> {
  const found = await docker.listContainers({ all: true, filters: { label: [`org.openstack.novashim.instance=${serverId}`] } });
  return found.length ? docker.getContainer(found[0].Id).inspect() : null;
}

/**
 * Runs a command in a container (by id or name) as root and answers its output. With a TTY the
 * engine sends one plain stream (no multiplexing frames); its CRLF line ends are turned back into LF.
 * A non-zero exit is a failure that says the command, the code and the output.
 */
export async function execIn(docker: Docker, container: string, cmd: string[]): Promise<string> {
  const exec = await docker.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: true });
  const stream = await exec.start({ hijack: true, stdin: false, Tty: true });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const { ExitCode } = await exec.inspect();
  const output = Buffer.concat(chunks).toString('utf8').replace(/\r\n/g, '\n');
  if (ExitCode !== 0) throw new Error(`${cmd.join(' ')} exited ${ExitCode}: ${output}`);
  return output;
}
