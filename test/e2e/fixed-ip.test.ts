import { expect } from 'chai';
import { containerOf, localDocker } from '../helpers/engine';
import { useLiveApi } from '../helpers/live-api';

/**
 * A server keeps its fixed IP across rebuild, as in Nova (tempest's test_rebuild_server compares
 * the addresses before and after), through the HTTP API of a live novashim on the real engine.
 */
describe('fixed IP across rebuild end to end (live server, real Docker engine)', function () {
  this.timeout(180_000);
  const docker = localDocker();
  const api = useLiveApi(docker);
  let busybox = '';

  before(async () => {
    busybox = await api.busyboxImage();
  });

  const boot = (name: string) => api.boot({ name, imageRef: busybox });
  const addressesOf = async (id: string) => (await api.waitForStatus(id, 'ACTIVE')).addresses;

  it('an ACTIVE server has the same addresses after rebuild, on the "private" network in novashim-private', async () => {
    const id = await boot('fixed-a');
    const before = await addressesOf(id);
    expect(Object.keys(before)).to.deep.equal(['private']);
    const container = (await containerOf(docker, id))!;
    expect(Object.keys(container.NetworkSettings.Networks)).to.deep.equal([api.live.config.privateNetwork]);
    await api.action(id, { rebuild: { imageRef: busybox } });
    await boot('fixed-b'); // a server created meanwhile does not take the address
    expect(await addressesOf(id)).to.deep.equal(before);
    expect((await containerOf(docker, id))!.Id).to.not.equal(container.Id);
  });

  it('a stopped server rebuilt and started again has its address back', async () => {
    const id = await boot('fixed-c');
    const before = await addressesOf(id);
    await api.action(id, { 'os-stop': null });
    await api.waitForStatus(id, 'SHUTOFF');
    await api.action(id, { rebuild: { imageRef: busybox } });
    await api.waitForStatus(id, 'SHUTOFF');
    await boot('fixed-d');
    await api.action(id, { 'os-start': null });
    expect(await addressesOf(id)).to.deep.equal(before);
  });
});
