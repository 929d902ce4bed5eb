import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ImageNotBootable, InstanceNotFoundInDriver } from '../../src/errors';
import {
  ComputeDriver, DriverCapabilities, DriverFlavor, DriverImage, DriverInstance, PowerState,
} from '../../src/drivers/driver';

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
