import { expect } from 'chai';
import { makeTestApp, TestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';

describe('compute API: os-server-password', () => {
  let t: TestApp;
  let server: string;
  const api = '/compute/v2.1';
  const as = (token: string) => ({ 'x-auth-token': token });
  const path = () => `${api}/servers/${server}/os-server-password`;

  before(async () => {
    t = await makeTestApp();
    const image = await insertImage(t.db, t.projects.admin);
    const res = await t.request.post(`${api}/servers`).set(as(t.tokens.demo)).send({ server: { name: 'pw', imageRef: image, flavorRef: '1' } });
    server = res.body.server.id;
    await t.services.tasks.idle();
  });
  after(async () => { await t.close(); });

  it('shows an empty password (no metadata service to post one) and clears it with 204', async () => {
    const shown = await t.request.get(path()).set(as(t.tokens.demo));
    expect(shown.status).to.equal(200);
    expect(shown.body).to.deep.equal({ password: '' });
    const cleared = await t.request.delete(path()).set(as(t.tokens.demo));
    expect(cleared.status).to.equal(204);
    expect(cleared.text).to.equal('');
  });

  it("answers 404 for another project's server, for an unknown one, and 403 to a reader's clear", async () => {
    expect((await t.request.get(path()).set(as(t.tokens.alt))).status).to.equal(404);
    expect((await t.request.get(`${api}/servers/00000000-0000-4000-8000-000000000000/os-server-password`).set(as(t.tokens.demo))).status).to.equal(404);
    expect((await t.request.get(path()).set(as(t.tokens.reader))).status).to.equal(200);
    expect((await t.request.delete(path()).set(as(t.tokens.reader))).status).to.equal(403);
  });
});
