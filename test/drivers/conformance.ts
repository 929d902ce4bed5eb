import { randomUUID } from 'node:crypto';
import * as tar from 'tar-stream';
import { expect } from 'chai';
import { DriverError, ImageNotBootable, InstanceNotFoundInDriver, InstancePasswordSetFailed } from '../../src/errors';
import {
  ComputeDriver, DriverCapabilities, DriverFlavor, DriverImage, DriverInstance, PowerState,
} from '../../src/drivers/driver';
import { InstanceNotReady } from '../../src/errors';
import type { ConsoleStream } from '../../src/drivers/driver';

export interface DriverHarness {
  readonly driver: ComputeDriver;
  /** a bootable image for this driver */
  readonly image: DriverImage;
  /** project for the instances, so a harness can find (and sweep) what this run created */
  readonly projectId?: string;
  cleanup(): Promise<void>;
}

/** each optional ComputeDriver method and the capability flag that promises it */
const OPTIONAL_METHODS: ReadonlyArray<[keyof DriverCapabilities, keyof ComputeDriver]> = [
  ['consoleOutput', 'getConsoleOutput'],
  ['setAdminPassword', 'setAdminPassword'],
  ['pause', 'pause'], ['pause', 'unpause'], ['suspend', 'suspend'], ['suspend', 'resume'],
  ['serialConsole', 'attachConsole'],
  ['resize', 'resize'],
  ['snapshot', 'snapshot'],
  ['rescue', 'rescue'], ['rescue', 'unrescue'],
  ['hostInfo', 'hostInfo'],
  ['diagnostics', 'getDiagnostics'],
];

export const SMALL_FLAVOR: DriverFlavor = Object.freeze({ memoryMb: 64, vcpus: 1 });

export function makeInstance(overrides: Partial<DriverInstance> = {}): DriverInstance {
  const uuid = overrides.uuid ?? randomUUID();
  return {
    uuid,
    projectId: 'conformance-project',
    hostname: `conf-${uuid.slice(0, 8)}`,
    metadata: {},
    driverState: null,
    ...overrides,
  };
}

/** asserts that a promise rejects with an instance of `type`; returns the error */
export async function expectRejection<E extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (err) {
    expect(err, `expected ${type.name}, got ${String(err)}`).to.be.instanceOf(type);
    return err as E;
  }
  throw new Error(`expected ${type.name}, but the call succeeded`);
}

/**
 * The driver contract as a mocha suite (Nova's _VirtDriverTestCase): every driver, fake or real,
 * must pass it. `make` runs once in a before hook; every instance spawned here is destroyed after.
 */
export function describeDriver(name: string, make: () => Promise<DriverHarness>): void {
  describe(`ComputeDriver conformance: ${name}`, function () {
    this.timeout(60_000);
    let harness: DriverHarness;
    let driver: ComputeDriver;
    const spawned = new Map<string, DriverInstance>();

    /** spawns and remembers the instance for cleanup; returns it with its DriverState */
    const newInstance = () => makeInstance(harness.projectId ? { projectId: harness.projectId } : {});

    async function spawn(instance = newInstance(), image = harness.image): Promise<DriverInstance> {
      spawned.set(instance.uuid, instance);
      const driverState = await driver.spawn(instance, image, SMALL_FLAVOR);
      const running = { ...instance, driverState };
      spawned.set(instance.uuid, running);
      return running;
    }

    before(async function () {
      harness = await make();
      driver = harness.driver;
      await driver.init();
    });

    after(async function () {
      for (const instance of spawned.values()) await driver?.destroy(instance).catch(() => undefined);
      await harness?.cleanup();
    });

    it('reports itself healthy', async function () {
      expect((await driver.health()).state).to.equal('healthy');
    });

    it('has an optional method exactly when its capability flag is set', function () {
      for (const [flag, method] of OPTIONAL_METHODS) {
        expect(typeof driver[method] === 'function', `${method} vs capabilities.${flag}`).to.equal(driver.capabilities[flag]);
      }
    });

    describe('lifecycle of one instance', function () {
      let instance: DriverInstance;

      before(async function () {
        instance = await spawn();
      });

      it('spawn returns a versioned DriverState', function () {
        expect(instance.driverState).to.be.an('object');
        expect(instance.driverState!.v).to.be.a('number');
      });

      it('is RUNNING with at least one address after spawn', async function () {
        const info = await driver.getInfo(instance);
        expect(info.powerState).to.equal(PowerState.RUNNING);
        expect(info.addresses).to.have.length.greaterThan(0);
        for (const address of info.addresses) {
          expect(address.network).to.be.a('string').and.not.equal('');
          expect(address.addr).to.be.a('string').and.not.equal('');
          expect([4, 6]).to.include(address.version);
        }
      });

      it('is listed by listInstances', async function () {
        expect(await driver.listInstances()).to.include(instance.uuid);
      });

      it('powerOff → SHUTDOWN', async function () {
        await driver.powerOff(instance, { timeoutSec: 5 });
        expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.SHUTDOWN);
      });

      it('powerOff of a stopped instance succeeds', async function () {
        await driver.powerOff(instance, { timeoutSec: 5 });
        expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.SHUTDOWN);
      });

      it('powerOn → RUNNING', async function () {
        await driver.powerOn(instance);
        expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.RUNNING);
      });

      it('powerOn of a running instance succeeds', async function () {
        await driver.powerOn(instance);
        expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.RUNNING);
      });

      for (const kind of ['SOFT', 'HARD'] as const) {
        it(`reboot ${kind} → RUNNING`, async function () {
          if (!driver.capabilities.reboot) this.skip();
          await driver.reboot(instance, kind);
          expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.RUNNING);
        });
      }

      it('has console output', async function () {
        if (!driver.capabilities.consoleOutput) this.skip();
        const output = await driver.getConsoleOutput!(instance);
        expect(output.trim()).to.not.equal('');
        const lastLine = await driver.getConsoleOutput!(instance, 1);
        expect(lastLine.trim().split('\n')).to.have.length(1);
      });

      it('destroy removes it: getInfo throws InstanceNotFoundInDriver, listInstances drops it', async function () {
        await driver.destroy(instance);
        await expectRejection(driver.getInfo(instance), InstanceNotFoundInDriver);
        expect(await driver.listInstances()).to.not.include(instance.uuid);
      });

      it('destroy of a destroyed instance succeeds', async function () {
        await driver.destroy(instance);
      });
    });

    // ---- pause/unpause and suspend/resume (capabilities pause, suspend) ----
    describe('pause/unpause and suspend/resume', function () {
      let instance: DriverInstance;
      const power = async (i = instance) => (await driver.getInfo(i)).powerState;

      before(async function () {
        if (!driver.capabilities.pause && !driver.capabilities.suspend) this.skip();
        instance = await spawn();
      });
      after(async function () {
        if (instance) await driver.destroy(instance);
      });

      it('pause → PAUSED, keeping its addresses; pausing again succeeds', async function () {
        if (!driver.capabilities.pause) this.skip();
        await driver.pause!(instance);
        const info = await driver.getInfo(instance);
        expect(info.powerState).to.equal(PowerState.PAUSED);
        expect(info.addresses).to.have.length.greaterThan(0);
        await driver.pause!(instance);
        expect(await power()).to.equal(PowerState.PAUSED);
      });

      it('unpause → RUNNING; unpausing a running instance succeeds', async function () {
        if (!driver.capabilities.pause) this.skip();
        await driver.unpause!(instance);
        expect(await power()).to.equal(PowerState.RUNNING);
        await driver.unpause!(instance);
        expect(await power()).to.equal(PowerState.RUNNING);
      });

      it('suspend → SUSPENDED (or PAUSED where the engine cannot tell them apart); suspending again succeeds', async function () {
        if (!driver.capabilities.suspend) this.skip();
        await driver.suspend!(instance);
        expect([PowerState.SUSPENDED, PowerState.PAUSED]).to.include(await power());
        await driver.suspend!(instance);
        expect([PowerState.SUSPENDED, PowerState.PAUSED]).to.include(await power());
      });

      it('resume → RUNNING; resuming a running instance succeeds', async function () {
        if (!driver.capabilities.suspend) this.skip();
        await driver.resume!(instance);
        expect(await power()).to.equal(PowerState.RUNNING);
        await driver.resume!(instance);
        expect(await power()).to.equal(PowerState.RUNNING);
      });

      it('a HARD reboot of a paused or suspended instance leaves it RUNNING', async function () {
        if (!driver.capabilities.reboot) this.skip();
        for (const freeze of ['pause', 'suspend'] as const) {
          if (!driver.capabilities[freeze]) continue;
          await driver[freeze]!(instance);
          await driver.reboot(instance, 'HARD');
          expect(await power(), `after ${freeze}`).to.equal(PowerState.RUNNING);
        }
      });

      it('pause and suspend of a stopped instance throw DriverError and leave it SHUTDOWN', async function () {
        await driver.powerOff(instance, { timeoutSec: 1 });
        for (const freeze of ['pause', 'suspend'] as const) {
          if (driver.capabilities[freeze]) await expectRejection(driver[freeze]!(instance), DriverError);
        }
        expect(await power()).to.equal(PowerState.SHUTDOWN);
        await driver.powerOn(instance);
      });

      it('destroy removes a paused and a suspended instance', async function () {
        for (const freeze of ['pause', 'suspend'] as const) {
          if (!driver.capabilities[freeze]) continue;
          const frozen = await spawn();
          await driver[freeze]!(frozen);
          await driver.destroy(frozen);
          await expectRejection(driver.getInfo(frozen), InstanceNotFoundInDriver);
          expect(await driver.listInstances()).to.not.include(frozen.uuid);
        }
      });

      it('throws InstanceNotFoundInDriver for an instance it never spawned', async function () {
        const ghost = newInstance();
        for (const method of ['pause', 'unpause', 'suspend', 'resume'] as const) {
          if (driver[method]) await expectRejection(driver[method]!(ghost), InstanceNotFoundInDriver);
        }
      });
    });

    // ---- key injection (every driver) and setAdminPassword (capability setAdminPassword) ----
    describe('public keys and the admin password', function () {
      const TEST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKZ1Thd7MnpQ0SM2/8bZUFnzyHwt5V/wWaVOr0VmcY+A conformance';
      let instance: DriverInstance;

      before(async function () {
        instance = await spawn({ ...newInstance(), publicKeys: [TEST_KEY] });
      });
      after(async function () {
        if (instance) await driver.destroy(instance);
      });

      it('spawns an instance given public keys, RUNNING', async function () {
        expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.RUNNING);
      });

      it('setAdminPassword on a running instance succeeds, twice', async function () {
        if (!driver.capabilities.setAdminPassword) this.skip();
        await driver.setAdminPassword!(instance, 'first-Pa55');
        await driver.setAdminPassword!(instance, 'second: with spaces & $ymbols');
        expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.RUNNING);
      });

      it('setAdminPassword on a stopped instance throws InstancePasswordSetFailed and leaves it SHUTDOWN', async function () {
        if (!driver.capabilities.setAdminPassword) this.skip();
        await driver.powerOff(instance, { timeoutSec: 1 });
        await expectRejection(driver.setAdminPassword!(instance, 'secret'), InstancePasswordSetFailed);
        expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.SHUTDOWN);
        await driver.powerOn(instance);
      });

      it('setAdminPassword throws InstanceNotFoundInDriver for an instance it never spawned', async function () {
        if (!driver.capabilities.setAdminPassword) this.skip();
        await expectRejection(driver.setAdminPassword!(newInstance(), 'secret'), InstanceNotFoundInDriver);
      });
    });

    // ---- serial console (attachConsole) ------------------------------------------------------
    describe('the serial console (attachConsole)', function () {
      /** reads the console until `text` shows up; what arrived so far otherwise */
      function readUntil(stream: ConsoleStream, text: string, ms = 10_000): Promise<string> {
        return new Promise((resolve) => {
          let seen = '';
          const done = () => { clearTimeout(timer); stream.off('data', onData); resolve(seen); };
          const onData = (chunk: Buffer) => { seen += chunk.toString('utf8'); if (seen.includes(text)) done(); };
          const timer = setTimeout(done, ms);
          stream.on('data', onData);
        });
      }

      beforeEach(function () {
        if (!driver.capabilities.serialConsole) this.skip();
      });

      it('attaches to a running instance: what is typed shows on the console (a TTY echoes it)', async function () {
        const instance = await spawn();
        const stream = await driver.attachConsole!(instance);
        try {
          const marker = `conformance-${randomUUID().slice(0, 8)}`;
          const seen = readUntil(stream, marker);
          stream.write(`${marker}\n`);
          expect(await seen).to.include(marker);
        } finally {
          stream.destroy();
        }
        // detaching leaves the instance running, and it can be attached again
        expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.RUNNING);
        (await driver.attachConsole!(instance)).destroy();
      });

      it('ends the stream when the instance is powered off, and refuses a stopped one with InstanceNotReady', async function () {
        const instance = await spawn();
        const stream = await driver.attachConsole!(instance);
        const ended = new Promise<void>((resolve) => { stream.once('close', resolve); stream.once('end', resolve); stream.resume(); });
        await driver.powerOff(instance, { timeoutSec: 2 });
        await ended;
        await expectRejection(driver.attachConsole!(instance), InstanceNotReady);
      });

      it('throws InstanceNotFoundInDriver for an instance it never spawned', async function () {
        await expectRejection(driver.attachConsole!(newInstance()), InstanceNotFoundInDriver);
      });
    });
    // ---- end of serial console ----------------------------------------------------------------

    // ---- resize (capability resize), and the destroy + spawn that rebuild is made of ----------
    describe('resize, and respawning an instance (rebuild)', function () {
      const BIGGER: DriverFlavor = Object.freeze({ memoryMb: 128, vcpus: 1 });
      let instance: DriverInstance;

      before(async function () {
        instance = await spawn();
      });
      after(async function () {
        if (instance) await driver.destroy(instance);
      });

      it('resize of a running instance keeps it running, with its addresses', async function () {
        if (!driver.capabilities.resize) this.skip();
        await driver.resize!(instance, BIGGER);
        const info = await driver.getInfo(instance);
        expect(info.powerState).to.equal(PowerState.RUNNING);
        expect(info.addresses).to.have.length.greaterThan(0);
        await driver.resize!(instance, SMALL_FLAVOR);
        expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.RUNNING);
      });

      it('resize of a stopped instance keeps it stopped; it starts with the new flavor', async function () {
        if (!driver.capabilities.resize) this.skip();
        await driver.powerOff(instance, { timeoutSec: 5 });
        await driver.resize!(instance, BIGGER);
        expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.SHUTDOWN);
        await driver.powerOn(instance);
        expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.RUNNING);
      });

      it('resize throws InstanceNotFoundInDriver for an instance it never spawned', async function () {
        if (!driver.capabilities.resize) this.skip();
        await expectRejection(driver.resize!(newInstance(), BIGGER), InstanceNotFoundInDriver);
      });

      it('destroy then spawn of the same instance (no DriverState) runs it again, listed once', async function () {
        await driver.destroy(instance);
        expect(await driver.listInstances()).to.not.include(instance.uuid);
        instance = await spawn({ ...instance, driverState: null });
        expect(instance.driverState).to.not.deep.equal(null);
        expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.RUNNING);
        expect((await driver.listInstances()).filter((uuid) => uuid === instance.uuid)).to.have.length(1);
      });
    });
    // ---- end of resize and respawn ------------------------------------------------------------

    // ---- snapshot (capability snapshot) -------------------------------------------------------
    describe('snapshot', function () {
      let instance: DriverInstance;

      before(async function () {
        if (!driver.capabilities.snapshot) this.skip();
        instance = await spawn();
      });
      after(async function () {
        if (instance) await driver.destroy(instance);
      });

      it('of a running instance is a docker save tarball of one runnable image; the instance runs on', async function () {
        const image = await savedImage(await driver.snapshot!(instance));
        expect(image.layers).to.have.length.greaterThan(0);
        expect(image.cmd.length + image.entrypoint.length, 'CMD or ENTRYPOINT').to.be.greaterThan(0);
        expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.RUNNING);
      });

      it('of a stopped instance works too and leaves it stopped', async function () {
        await driver.powerOff(instance, { timeoutSec: 5 });
        await savedImage(await driver.snapshot!(instance));
        expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.SHUTDOWN);
        await driver.powerOn(instance);
      });

      it('throws InstanceNotFoundInDriver for an instance it never spawned', async function () {
        await expectRejection(driver.snapshot!(newInstance()), InstanceNotFoundInDriver);
      });
    });
    // ---- end of snapshot ----------------------------------------------------------------------

    // ---- rescue/unrescue ----------------------------------------------------------------------
    describe('rescue/unrescue', function () {
      before(function () {
        if (!driver.capabilities.rescue) this.skip();
      });

      it('rescue runs a rescue instance in its place (getInfo RUNNING); unrescue runs the instance again', async function () {
        const instance = await spawn();
        const rescuedState = await driver.rescue!(instance, harness.image, SMALL_FLAVOR, 'Rescue-Pass-1');
        const rescued = { ...instance, driverState: rescuedState };
        spawned.set(instance.uuid, rescued);
        expect(rescuedState.v).to.be.a('number');
        expect((await driver.getInfo(rescued)).powerState).to.equal(PowerState.RUNNING);
        expect((await driver.listInstances()).filter((u) => u === instance.uuid)).to.have.length(1);
        const back = { ...instance, driverState: await driver.unrescue!(rescued) };
        spawned.set(instance.uuid, back);
        expect((await driver.getInfo(back)).powerState).to.equal(PowerState.RUNNING);
        await driver.destroy(back);
      });

      it('rescues a stopped instance; destroy of a rescued instance removes it', async function () {
        const instance = await spawn();
        await driver.powerOff(instance, { timeoutSec: 1 });
        const rescued = { ...instance, driverState: await driver.rescue!(instance, harness.image, SMALL_FLAVOR, 'pw') };
        spawned.set(instance.uuid, rescued);
        expect((await driver.getInfo(rescued)).powerState).to.equal(PowerState.RUNNING);
        await driver.destroy(rescued);
        expect(await driver.listInstances()).to.not.include(instance.uuid);
        await expectRejection(driver.getInfo(rescued), InstanceNotFoundInDriver);
      });

      it('throws InstanceNotFoundInDriver for an instance it never spawned', async function () {
        await expectRejection(driver.rescue!(newInstance(), harness.image, SMALL_FLAVOR, 'pw'), InstanceNotFoundInDriver);
        await expectRejection(driver.unrescue!(newInstance()), InstanceNotFoundInDriver);
      });
    });
    // ---- end of rescue/unrescue ---------------------------------------------------------------

    // ---- hostInfo (os-hypervisors) -------------------------------------------------------------
    describe('hostInfo', function () {
      it('reports positive integer totals, a type, a version and an IPv4 host address', async function () {
        if (!driver.capabilities.hostInfo || !driver.hostInfo) this.skip();
        const info = await driver.hostInfo!();
        for (const key of ['vcpus', 'memoryMb', 'hypervisorVersion'] as const) {
          expect(Number.isInteger(info[key]) && info[key] > 0, `${key} = ${info[key]}`).to.equal(true);
        }
        expect(Number.isInteger(info.diskGb) && info.diskGb >= 0).to.equal(true);
        expect(info.uptimeSec === null || (Number.isInteger(info.uptimeSec) && info.uptimeSec >= 0)).to.equal(true);
        expect(info.hypervisorType).to.be.a('string').and.not.equal('');
        expect(info.hostIp).to.match(/^\d+\.\d+\.\d+\.\d+$/);
      });
    });
    // ---- end of hostInfo -----------------------------------------------------------------------

    // ---- getDiagnostics (capability diagnostics: server diagnostics) ---------------------------
    describe('getDiagnostics', function () {
      it("reports a running instance's flavor limits and usage: memory in MiB, one entry per vCPU, its NICs and disks", async function () {
        if (!driver.capabilities.diagnostics || !driver.getDiagnostics) this.skip();
        const instance = await spawn();
        const d = await driver.getDiagnostics!(instance);
        expect(d.memory.maximumMb).to.equal(SMALL_FLAVOR.memoryMb);
        expect(d.memory.usedMb === null || (Number.isInteger(d.memory.usedMb) && d.memory.usedMb >= 0 && d.memory.usedMb <= SMALL_FLAVOR.memoryMb)).to.equal(true);
        expect(d.cpus.map((c) => c.id)).to.deep.equal([...Array(SMALL_FLAVOR.vcpus).keys()]);
        expect(d.nics.length).to.be.greaterThan(0);
        for (const nic of d.nics) expect(nic.mac === null || /^(?:[a-f0-9]{2}:){5}[a-f0-9]{2}$/.test(nic.mac)).to.equal(true);
        expect(d.disks.length).to.be.greaterThan(0);
        expect(d.uptimeSec === null || (Number.isInteger(d.uptimeSec) && d.uptimeSec >= 0)).to.equal(true);
        for (const v of Object.values(d.raw)) expect(Number.isFinite(v)).to.equal(true);
      });

      it('refuses a stopped instance (InstanceNotReady) and one that is gone (InstanceNotFoundInDriver)', async function () {
        if (!driver.capabilities.diagnostics || !driver.getDiagnostics) this.skip();
        const instance = await spawn();
        await driver.powerOff(instance, { timeoutSec: 0 });
        await expectRejection(driver.getDiagnostics!(instance), InstanceNotReady);
        await driver.destroy(instance);
        await expectRejection(driver.getDiagnostics!(instance), InstanceNotFoundInDriver);
      });
    });
    // ---- end of getDiagnostics -------------------------------------------------------------------

    // ---- no network (2.37's networks "none": DriverInstance.noNetwork) -------------------------------
    describe('an instance without a network (noNetwork)', function () {
      it('runs with no address, also after a stop and start, and a respawn (rebuild) keeps it so', async function () {
        const instance = await spawn({ ...newInstance(), noNetwork: true });
        expect((instance.driverState as { fixedIps?: unknown }).fixedIps ?? []).to.deep.equal([]);
        let info = await driver.getInfo(instance);
        expect([info.powerState, info.addresses]).to.deep.equal([PowerState.RUNNING, []]);
        await driver.powerOff(instance, { timeoutSec: 0 });
        await driver.powerOn(instance);
        info = await driver.getInfo(instance);
        expect([info.powerState, info.addresses]).to.deep.equal([PowerState.RUNNING, []]);
        await driver.destroy(instance);
        const again = await spawn({ ...instance, driverState: null });
        expect((await driver.getInfo(again)).addresses).to.deep.equal([]);
        await driver.destroy(again);
      });
    });
    // ---- end of no network ---------------------------------------------------------------------------

    describe('an instance the driver never spawned', function () {
      const ghost = makeInstance();

      it('getInfo, powerOn, powerOff and reboot throw InstanceNotFoundInDriver', async function () {
        await expectRejection(driver.getInfo(ghost), InstanceNotFoundInDriver);
        await expectRejection(driver.powerOn(ghost), InstanceNotFoundInDriver);
        await expectRejection(driver.powerOff(ghost, { timeoutSec: 1 }), InstanceNotFoundInDriver);
        await expectRejection(driver.reboot(ghost, 'HARD'), InstanceNotFoundInDriver);
      });

      it('destroy succeeds', async function () {
        await driver.destroy(ghost);
      });
    });

    it('keeps two instances apart: stopping one leaves the other running', async function () {
      const [first, second] = await Promise.all([spawn(), spawn()]);
      expect(await driver.listInstances()).to.include.members([first.uuid, second.uuid]);
      await driver.powerOff(first, { timeoutSec: 5 });
      expect((await driver.getInfo(first)).powerState).to.equal(PowerState.SHUTDOWN);
      expect((await driver.getInfo(second)).powerState).to.equal(PowerState.RUNNING);
      await Promise.all([driver.destroy(first), driver.destroy(second)]);
    });

    it('refuses an image with container_format bare (ImageNotBootable) and leaves nothing behind', async function () {
      let opened = false;
      const bare: DriverImage = {
        id: randomUUID(),
        containerFormat: 'bare',
        openData: () => {
          opened = true;
          return harness.image.openData();
        },
      };
      const instance = newInstance();
      await expectRejection(spawn(instance, bare), ImageNotBootable);
      expect(opened, 'the image data was read').to.equal(false);
      expect(await driver.listInstances()).to.not.include(instance.uuid);
    });
  });
}

/** reads a `docker save` archive: its single image's layers and command (snapshot conformance) */
export async function savedImage(stream: NodeJS.ReadableStream): Promise<{ layers: string[]; cmd: string[]; entrypoint: string[] }> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  stream.pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    if (entry.header.name.endsWith('.json')) files.set(entry.header.name, Buffer.concat(chunks));
  }
  const manifest = JSON.parse(files.get('manifest.json')?.toString() ?? 'null');
  expect(manifest, 'manifest.json').to.be.an('array').with.length(1);
  const config = JSON.parse(files.get(manifest[0].Config)!.toString());
  return { layers: manifest[0].Layers, cmd: config.config?.Cmd ?? [], entrypoint: config.config?.Entrypoint ?? [] };
}
