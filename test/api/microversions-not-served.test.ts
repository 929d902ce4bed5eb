import { expect } from 'chai';
import { API, as, useComputeApp } from '../helpers/compute-app';

/**
 * Microversions whose change is to an API novashim does not serve (nova-network proxies, volume
 * attachments, interface attach, neutron ports): the promise at those versions is Nova's answer
 * for a missing resource, the same before and at the version.
 */
describe('microversions that change APIs novashim does not serve', () => {
  const c = useComputeApp();
  let server: string;
  before(async () => { server = await c.boot('not-served'); });

  const get = (path: string, version: string) =>
    c.t.request.get(`${API}${path}`).set(as(c.t.tokens.admin)).set('X-OpenStack-Nova-API-Version', version);
  const post = (path: string, version: string, body: object) =>
    c.t.request.post(`${API}${path}`).set(as(c.t.tokens.admin)).set('X-OpenStack-Nova-API-Version', version).send(body);

  async function expectNotServed(request: () => Promise<{ status: number; body: { itemNotFound?: unknown } }>) {
    const res = await request();
    expect(res.status).to.equal(404);
    expect(res.body).to.have.property('itemNotFound');
  }

  it('microversion 2.4: os-fixed-ips (a nova-network proxy) is not served before or at 2.4', async () => {
    for (const v of ['2.3', '2.4']) await expectNotServed(() => get('/os-fixed-ips/10.213.0.5', v));
  });

  it('microversion 2.12: os-virtual-interfaces (nova-network) is not served', async () => {
    for (const v of ['2.11', '2.12']) await expectNotServed(() => get(`/servers/${server}/os-virtual-interfaces`, v));
  });

  it('microversions 2.20, 2.60, 2.70 and 2.79: there is no volume service, so no volume attachments at any of them', async () => {
    for (const v of ['2.1', '2.20', '2.60', '2.70', '2.79']) await expectNotServed(() => get(`/servers/${server}/os-volume_attachments`, v));
  });

  it('microversions 2.49 and 2.70: interface attach (neutron ports) is not served, tagged or not', async () => {
    for (const v of ['2.48', '2.49', '2.70']) {
      await expectNotServed(() => get(`/servers/${server}/os-interface`, v));
      await expectNotServed(() => post(`/servers/${server}/os-interface`, v, { interfaceAttachment: { net_id: server, tag: 'nic1' } }));
    }
  });

  it('microversion 2.72: a neutron port with a resource request cannot be given at create (no port support at all)', async () => {
    const res = await post('/servers', '2.72', {
      server: { name: 'with-port', imageRef: c.image, flavorRef: '1', networks: [{ port: '3f1c1e8e-9a80-4b9e-8a45-6e5cb1f6a1b2' }] },
    });
    expect(res.status).to.equal(400);
    expect(res.body.badRequest.message).to.match(/port/i);
  });
});
