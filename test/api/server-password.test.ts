import { expect } from 'chai';
import { API as api, as, useComputeApp } from '../helpers/compute-app';

describe('compute API: os-server-password', () => {
  const c = useComputeApp();
  let server: string;
  const path = () => `${api}/servers/${server}/os-server-password`;

  before(async () => { server = await c.boot('pw'); });

  it('shows an empty password (no metadata service to post one) and clears it with 204', async () => {
    const shown = await c.t.request.get(path()).set(as(c.t.tokens.demo));
    expect(shown.status).to.equal(200);
    expect(shown.body).to.deep.equal({ password: '' });
    const cleared = await c.t.request.delete(path()).set(as(c.t.tokens.demo));
    expect(cleared.status).to.equal(204);
    expect(cleared.text).to.equal('');
  });

  it("answers 404 for another project's server, for an unknown one, and 403 to a reader's clear", async () => {
    expect((await c.t.request.get(path()).set(as(c.t.tokens.alt))).status).to.equal(404);
    expect((await c.t.request.get(`${api}/servers/00000000-0000-4000-8000-000000000000/os-server-password`).set(as(c.t.tokens.demo))).status).to.equal(404);
    expect((await c.t.request.get(path()).set(as(c.t.tokens.reader))).status).to.equal(200);
    expect((await c.t.request.delete(path()).set(as(c.t.tokens.reader))).status).to.equal(403);
  });
});
