import { expect } from 'chai';
import { HostPoll } from '../../src/compute/host-poll';
import { DriverRegistry } from '../../src/drivers/registry';
import { FakeDriver } from '../../src/drivers/fake/driver';
import type { DriverHealth } from '../../src/drivers/driver';

/** a fake counting its health() calls, whose engine can be made unreachable */
class CountingDriver extends FakeDriver {
  down = false;
  healthCalls = 0;
  override async health(): Promise<DriverHealth> {
    this.healthCalls += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return this.down ? { state: 'unhealthy', detail: 'engine unreachable' } : super.health();
  }
}

describe('HostPoll: periodic host reports (issue 6)', () => {
  it('polls a host on first use, then answers from the report until the next poll', async () => {
    const driver = new CountingDriver();
    const poll = new HostPoll(new DriverRegistry({ h1: driver }), 3600);
    const first = await poll.snapshot('h1');
    expect(first.health.state).to.equal('healthy');
    expect(first.info?.vcpus).to.equal(8);
    driver.down = true;
    expect((await poll.snapshot('h1')).health.state).to.equal('healthy');
    expect(driver.healthCalls).to.equal(1);
    await poll.refresh();
    expect((await poll.snapshot('h1')).health.state).to.equal('unhealthy');
    expect(driver.healthCalls).to.equal(2);
  });

  it('runs one poll per host at a time (concurrent readers share it)', async () => {
    const driver = new CountingDriver();
    const poll = new HostPoll(new DriverRegistry({ h1: driver }), 3600);
    await Promise.all([poll.snapshot('h1'), poll.snapshot('h1'), poll.refresh(), poll.refresh()]);
    expect(driver.healthCalls).to.equal(1);
  });

  it('start() polls at once and then every interval; stop() ends it', async () => {
    const driver = new CountingDriver();
    const poll = new HostPoll(new DriverRegistry({ h1: driver }), 1);
    poll.start();
    expect(driver.healthCalls).to.equal(1); // the first poll starts at once
    const deadline = Date.now() + 10_000;
    while (driver.healthCalls < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(driver.healthCalls).to.be.at.least(2);
    await poll.stop();
    const seen = driver.healthCalls;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(driver.healthCalls).to.equal(seen);
  });

  it('with interval 0 every read polls', async () => {
    const driver = new CountingDriver();
    const poll = new HostPoll(new DriverRegistry({ h1: driver }), 0);
    await poll.snapshot('h1');
    await poll.snapshot('h1');
    expect(driver.healthCalls).to.equal(2);
  });
});
