import { expect } from 'chai';
import { makeTestApp, TestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';
import { FakeDriver } from '../../src/drivers/fake/driver';
import type { ComputeDriver } from '../../src/drivers/driver';

/** a fake driver behind a proxy that records every method called on it */
function countingDriver(): { driver: ComputeDriver; calls: string[] } {
  const calls: string[] = [];
  const target = new FakeDriver();
  const driver = new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        calls.push(prop);
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
  return { driver, calls };
}

const api = '/compute/v2.1';
/** every read of servers and of the hosts' state, at the oldest and newest microversion, as admin and member */
const READS = ['/servers', '/servers/detail', '/servers/detail?all_tenants=1', '/servers/{id}', '/servers/{id}/ips', '/os-hypervisors', '/os-hypervisors/detail', '/os-services', '/os-hypervisors/statistics'];
const VERSIONS = ['2.1', '2.16', '2.79'];

describe('engine calls: no list or show request asks the driver (issue 6)', () => {
  async function setUp(config = {}) {
    const { driver, calls } = countingDriver();
    const t = await makeTestApp({ driver, config });
    const image = await insertImage(t.db, t.projects.admin);
    const boot = await t.request.post(`${api}/servers`).set('x-auth-token', t.tokens.demo)
      .send({ server: { name: 'vm', imageRef: image, flavorRef: '1', min_count: 3, max_count: 3 } });
    expect(boot.status, boot.text).to.equal(202);
    await t.services.tasks.idle();
    const id = (await t.request.get(`${api}/servers`).set('x-auth-token', t.tokens.demo)).body.servers[0].id as string;
    return { t, calls, id };
  }

  /** runs every read once per version and token; returns the driver methods called meanwhile */
  async function readAll(t: TestApp, calls: string[], id: string): Promise<string[]> {
    calls.length = 0;
    for (const version of VERSIONS) {
      for (const [token, admin] of [[t.tokens.admin, true], [t.tokens.demo, false]] as const) {
        for (const path of READS) {
          if (!admin && (path.startsWith('/os-') || path.includes('all_tenants'))) continue;
          const res = await t.request.get(`${api}${path.replace('{id}', id)}`).set('x-auth-token', token).set('openstack-api-version', `compute ${version}`);
          expect(res.status, `${path} at ${version}: ${res.text}`).to.equal(200);
        }
      }
    }
    return [...calls];
  }

  it('GET /servers, /servers/detail, /servers/{id}, os-hypervisors and os-services call no driver method (host state from the last poll)', async () => {
    const { t, calls, id } = await setUp();
    try {
      await t.services.hostPoll.refresh(); // what the background poll does at start and every interval
      expect(calls).to.include.members(['health', 'hostInfo']);
      expect(await readAll(t, calls, id)).to.deep.equal([]);
    } finally {
      await t.close();
    }
  });

  it('with NOVASHIM_HOST_POLL_INTERVAL 0 the host views ask the driver on every request (the counting sees it)', async () => {
    const { t, calls, id } = await setUp({ hostPollIntervalSec: 0 });
    try {
      const seen = await readAll(t, calls, id);
      expect(seen).to.include('health');
      expect(seen).to.include('hostInfo');
    } finally {
      await t.close();
    }
  });

  it('a server list costs the same number of queries for 2 and for 12 servers (no query per server)', async () => {
    const { t } = await setUp();
    try {
      const image = await insertImage(t.db, t.projects.demo);
      let queries = 0;
      const count = (q: { sql: string }): void => { queries += 1; if (process.env.DEBUG_QUERIES) console.log(q.sql.slice(0, 120)); };
      const queriesOf = async (path: string, version: string): Promise<number> => {
        queries = 0;
        t.db.on('query', count);
        try {
          const res = await t.request.get(`${api}${path}`).set('x-auth-token', t.tokens.admin).set('openstack-api-version', `compute ${version}`);
          expect(res.status).to.equal(200);
        } finally {
          t.db.off('query', count);
        }
        return queries;
      };
      for (const v of VERSIONS) await queriesOf('/servers/detail?all_tenants=1', v); // first use registers the host services once
      const before: Record<string, number> = {};
      for (const v of VERSIONS) before[v] = await queriesOf('/servers/detail?all_tenants=1', v);
      const boot = await t.request.post(`${api}/servers`).set('x-auth-token', t.tokens.demo)
        .send({ server: { name: 'more', imageRef: image, flavorRef: '2', min_count: 10, max_count: 10 } });
      expect(boot.status, boot.text).to.equal(202);
      await t.services.tasks.idle();
      for (const v of VERSIONS) expect(await queriesOf('/servers/detail?all_tenants=1', v), `queries at ${v}`).to.equal(before[v]);
    } finally {
      await t.close();
    }
  });
});
