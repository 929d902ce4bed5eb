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
