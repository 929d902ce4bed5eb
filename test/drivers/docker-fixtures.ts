import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type Dockerode from 'dockerode';
import { DriverImage } from '../../src/drivers/driver';
import { containerName } from '../../src/drivers/docker/container-spec';
import { imageTag } from '../../src/drivers/docker/images';
import { PROJECT_LABEL } from '../../src/drivers/docker/labels';
import { execIn } from '../helpers/engine';

const run = promisify(execFile);
export const FIXTURE_TAG = 'novashim-fixture/busybox:latest';
const FIXTURE_SCRIPT = 'fixtures/images/build-busybox.sh';

/** a DriverImage over a tarball that counts how often its data was opened */
export interface CountingImage extends DriverImage {
  readonly opens: () => number;
}

export function tarballImage(path: string, id: string = randomUUID()): CountingImage {
  let opens = 0;
  return {
    id,
    containerFormat: 'docker',
    openData: () => {
      opens += 1;
      return createReadStream(path);
    },
    opens: () => opens,
  };
}

/** why no engine can be used, or null when one answers */
export async function engineProblem(docker: Dockerode, endpoint: string): Promise<string | null> {
  try {
    await docker.ping();
    return null;
  } catch (err) {
    return `no Docker engine at ${endpoint} (${(err as Error).message})`;
  }
}

/** runs a command in a driver instance's container (found by its name) as root; see execIn */
export const execInInstance = (docker: Dockerode, uuid: string, cmd: string[]): Promise<string> => execIn(docker, containerName(uuid), cmd);

/**
 * The hooks every real-engine suite needs, registered in the calling describe(): without an engine
 * the suite fails (REQUIRE_DOCKER=1) or skips with the reason; with one, the busybox fixture is
 * built first and whatever the suite made is removed after.
 */
export function useEngine(docker: Dockerode, endpoint: string, suite: string, earlierProblem: () => string | null = () => null) {
  const fixtures = new EngineFixtures(docker);
  const state = { busyboxTar: '', engineUp: false };
  before(async function () {
    const problem = earlierProblem() ?? (await engineProblem(docker, endpoint));
    if (problem) {
      if (process.env.REQUIRE_DOCKER === '1') throw new Error(`REQUIRE_DOCKER=1 but ${problem}`);
      console.log(`    skipping the ${suite}: ${problem}`);
      this.skip();
    }
    state.engineUp = true;
    state.busyboxTar = await fixtures.buildBusybox();
  });
  after(async function () {
    if (state.engineUp) await fixtures.cleanup();
    else fixtures.discardWorkDir();
  });
  return { fixtures, busyboxTar: () => state.busyboxTar };
}

/**
 * Everything the Docker tests create on the engine, so `cleanup` removes exactly that: containers
 * of this run's project label, `novashim/image:<id>` tags of this run's image ids, and fixture
 * images this run built.
 */
export class EngineFixtures {
  readonly projectId = `novashim-test-${randomUUID().slice(0, 8)}`;
  private dir: string | null = null;
  private readonly imageIds = new Set<string>();
  private readonly builtImages = new Set<string>();

  constructor(private readonly docker: Dockerode) {}

  /** scratch space for tarballs, made on first use */
  get workDir(): string {
    this.dir ??= mkdtempSync(join(tmpdir(), 'novashim-docker-test-'));
    return this.dir;
  }

  /** runs the fixture script into the work dir; the fixture tag is removed later only if we made it */
  async buildBusybox(): Promise<string> {
    const existed = await this.imageExists(FIXTURE_TAG);
    const tarball = join(this.workDir, 'busybox.tar');
    await run(join(repoRoot(), FIXTURE_SCRIPT), [tarball], { cwd: repoRoot() });
    if (!existed) this.builtImages.add(FIXTURE_TAG);
    return tarball;
  }

  /** a DriverImage with a fresh id whose engine tag is cleaned up afterwards */
  image(tarball: string): CountingImage {
    const image = tarballImage(tarball);
    this.imageIds.add(image.id);
    return image;
  }

  /**
   * A variant of the busybox image with other config (`docker import --change` lines), saved as a
   * tarball. Its engine-side name is removed at once: only the tarball (which still names it) remains.
   */
  async variant(name: string, changes: string[]): Promise<string> {
    const tag = variantTag(name, this.projectId);
    const rootfs = await this.exportFixtureRootfs();
    const [repo, version] = tag.split(':');
    await this.followProgress(await this.docker.importImage(rootfs, { repo, tag: version, changes } as object));
    this.builtImages.add(tag);
    const tarball = join(this.workDir, `${name}.tar`);
    await writeFile(tarball, await this.docker.getImage(tag).get());
    await this.removeImage(tag);
    return tarball;
  }

  async cleanup(): Promise<void> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [`${PROJECT_LABEL}=${this.projectId}`] } });
    await Promise.all(containers.map((c) => this.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    for (const id of this.imageIds) await this.removeImage(imageTag(id));
    for (const tag of this.builtImages) await this.removeImage(tag);
    this.discardWorkDir();
  }

  discardWorkDir(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }

  async imageExists(ref: string): Promise<boolean> {
    return this.docker.getImage(ref).inspect().then(() => true, () => false);
  }

  private async exportFixtureRootfs(): Promise<NodeJS.ReadableStream> {
    const container = await this.docker.createContainer({ Image: FIXTURE_TAG, Labels: { [PROJECT_LABEL]: this.projectId } });
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of await container.export()) chunks.push(chunk as Buffer);
      return Readable.from([Buffer.concat(chunks)]);
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }

  private followProgress(stream: NodeJS.ReadableStream): Promise<void> {
    return new Promise((resolve, reject) => this.docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
  }

  private async removeImage(ref: string): Promise<void> {
    await this.docker.getImage(ref).remove().catch(() => undefined);
  }
}

export const variantTag = (name: string, projectId: string): string => `novashim-fixture/${name}:${projectId}`;

/** the directory holding package.json, found from this compiled file upwards */
export function repoRoot(from: string = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'fixtures'))) return dir;
  }
  throw new Error(`no repository root above ${from}`);
}
