import type Dockerode from 'dockerode';
import { DriverError } from '../../errors';
import type { DriverFlavor, DriverImage, DriverInstance, DriverState } from '../driver';
import { writeConfigDrive, writeConfigDriveAddresses } from './config-drive';
import { buildContainerSpec, containerName, ContainerSpecInput } from './container-spec';
import type { DockerStateV1 } from './driver-state';
import { asDriverError, engineMessage, isConflict } from './engine-errors';
import { writeAuthorizedKeys } from './guest-files';
import { EngineImage, ImageLoader } from './images';
import { DEPLOYMENT_LABEL, instanceUuidOf } from './labels';
import { DriverLog } from './log';
import { AddressAllocator, keptAddress, PrivateNetwork } from './network';

/** what a spawn needs of the driver */
export interface SpawnContext {
  readonly docker: Dockerode;
  readonly images: ImageLoader;
  readonly addresses: AddressAllocator;
  /** the Nova network name the config drive reports */
  readonly networkLabel: string;
  /** labels every container with this deployment (labels.ts) */
  readonly deployment: string | undefined;
  readonly log: DriverLog;
  /** the spec input every container of the instance shares (limits, the engine's CPUs) */
  specInput(instance: DriverInstance, flavor: DriverFlavor, imageTag: string): Promise<Omit<ContainerSpecInput, 'network'>>;
  privateNetwork(): Promise<PrivateNetwork>;
}

/**
 * Creates and starts the instance's container; leaves nothing behind when a step fails. When the
 * image the loader remembered was removed behind novashim's back, it is loaded again, once.
 */
export async function spawnContainer(ctx: SpawnContext, instance: DriverInstance, image: DriverImage, flavor: DriverFlavor): Promise<DriverState> {
  try {
    return await spawnOnce(ctx, instance, image, flavor);
  } catch (err) {
    if (!/no such image/i.test(engineMessage(err)) || !ctx.images.forget(image.id)) throw err;
    ctx.log.warn({ instance: instance.uuid, image: image.id }, 'the image was gone from the engine; loading it again');
    return spawnOnce(ctx, instance, image, flavor);
  }
}

export function requireCommand(imageId: string, image: EngineImage): void {
  if (image.runnable) return;
  throw new DriverError(
    `image ${imageId} has neither CMD nor ENTRYPOINT, so there is nothing to run; ` +
      'rebuild it with one (e.g. `docker import --change \'CMD ["/sbin/init"]\'`)',
  );
}

async function spawnOnce(ctx: SpawnContext, instance: DriverInstance, image: DriverImage, flavor: DriverFlavor): Promise<DriverState> {
  const engineImage = await ctx.images.ensure(image);
  requireCommand(image.id, engineImage);
  const specInput = await ctx.specInput(instance, flavor, engineImage.tag);
  if (instance.noNetwork) {
    // 2.37's `networks: "none"`: the container has no network interface but loopback, and no address
    const container = await createFresh(ctx, instance, buildContainerSpec({ ...specInput, network: 'none' }));
    await prepareAndStart(ctx, container, instance);
    ctx.log.info({ instance: instance.uuid, containerId: container.id }, 'spawned without a network');
    return { v: 1, containerId: container.id, fixedIps: [] } satisfies DockerStateV1;
  }
  // on the private network, with the address the instance had (rebuild) or a free one (network.ts)
  const network = await ctx.privateNetwork();
  const { value: container, ipv4 } = await ctx.addresses.create(ctx.docker, network, instance.uuid,
    keptAddress(instance, network.subnet),
    (ip) => createFresh(ctx, instance, buildContainerSpec({ ...specInput, network: { name: network.name, ipv4: ip } })));
  await prepareAndStart(ctx, container, instance);
  ctx.log.info({ instance: instance.uuid, containerId: container.id }, 'spawned');
  return { v: 1, containerId: container.id, fixedIps: [ipv4] } satisfies DockerStateV1;
}

/** keys and config drive in before the first start, the drive's addresses once started; any failure removes the container */
async function prepareAndStart(ctx: SpawnContext, container: Dockerode.Container, instance: DriverInstance): Promise<void> {
  await orRemove(container, () => writeAuthorizedKeys(container, instance.publicKeys ?? []), 'cannot write /root/.ssh/authorized_keys');
  await orRemove(container, () => writeConfigDrive(container, instance.configDrive), 'cannot write the config drive');
  await startOrRemove(ctx, container);
  await orRemove(container, () => writeConfigDriveAddresses(container, instance.configDrive, ctx.networkLabel), 'cannot write the config drive');
}

/**
 * A container left by an interrupted spawn of the same instance blocks the name; it is ours and
 * never ran for the user, so replace it. Any other name clash is an error.
 */
async function createFresh(ctx: SpawnContext, instance: DriverInstance, created: Dockerode.ContainerCreateOptions): Promise<Dockerode.Container> {
  const spec = ctx.deployment ? { ...created, Labels: { ...created.Labels, [DEPLOYMENT_LABEL]: ctx.deployment } } : created;
  try {
    return await ctx.docker.createContainer(spec);
  } catch (err) {
    if (!isConflict(err) || !(await isLeftoverOf(ctx.docker, instance))) throw asDriverError(err, 'cannot create container');
  }
  ctx.log.warn({ instance: instance.uuid }, 'replacing a container left by an earlier spawn');
  await ctx.docker.getContainer(containerName(instance.uuid)).remove({ force: true });
  try {
    return await ctx.docker.createContainer(spec);
  } catch (err) {
    throw asDriverError(err, 'cannot create container');
  }
}

async function isLeftoverOf(docker: Dockerode, instance: DriverInstance): Promise<boolean> {
  try {
    const existing = await docker.getContainer(containerName(instance.uuid)).inspect();
    return instanceUuidOf(existing.Config?.Labels) === instance.uuid;
  } catch {
    return false;
  }
}

/** a spawn step whose failure removes the container */
async function orRemove(container: Dockerode.Container, step: () => Promise<void>, doing: string): Promise<void> {
  try {
    await step();
  } catch (err) {
    await container.remove({ force: true }).catch(() => undefined);
    throw asDriverError(err, doing);
  }
}

/** spawn must leave nothing behind: a container that cannot start is removed */
async function startOrRemove(ctx: SpawnContext, container: Dockerode.Container): Promise<void> {
  try {
    await container.start();
  } catch (err) {
    await container.remove({ force: true }).catch((removeErr: unknown) => {
      ctx.log.error({ containerId: container.id, err: engineMessage(removeErr) }, 'cannot remove container that failed to start');
    });
    throw asDriverError(err, 'cannot start container');
  }
}
