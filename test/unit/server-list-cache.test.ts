import { expect } from 'chai';
import type { InstanceRecord } from '../../src/db/stores/instances';
import type { AuthContext } from '../../src/identity/auth-context';
import { Microversion } from '../../src/api/microversion';
import { renderServer, ServerViewContext } from '../../src/api/compute/views/server-fields';
import { contextKey, ServerListCache } from '../../src/api/compute/views/server-list-cache';
import { detail } from '../../src/api/compute/schemas/servers';
import { checkResponse } from '../../src/api/middleware/response-check';
import { RenderedJson } from '../../src/api/rendered-json';
import { deepFreeze, fingerprint, keyedRows, RecordCache } from '../../src/db/stores/instance-rows';
import type { RouteDef } from '../../src/api/routing';
import type { Schema } from '../../src/api/validation';
import { VmState } from '../../src/compute/states';

const auth = (isAdmin: boolean): AuthContext => ({
  userId: 'u', userName: 'u', domainId: 'default', projectId: 'p', projectName: 'p', roles: isAdmin ? ['admin', 'member', 'reader'] : ['member', 'reader'],
  isAdmin, tokenId: 't', expiresAt: new Date(0), methods: ['password'], auditId: 'a',
});

function record(n: number, over: Partial<InstanceRecord> = {}): InstanceRecord {
  return deepFreeze({
    uuid: `00000000-0000-4000-8000-00000000000${n}`, displayName: `vm-${n} é ☃ "quoted" \u2028`, hostname: `vm-${n}`, projectId: 'p', userId: 'u',
    host: 'novashim-1', node: 'novashim-1', availabilityZone: 'nova', imageRef: 'img', vmState: VmState.ACTIVE, taskState: null, powerState: 1,
    flavor: { id: '1', name: 'm1.tiny', memoryMb: 512, vcpus: 1, rootGb: 1, ephemeralGb: 0, swap: 0 },
    keyName: null, keyData: null, metadata: { 'ключ': 'значение', emoji: '😀' },
    addresses: [{ network: 'private', addr: `10.0.0.${n}`, version: 4, mac: 'FA:16:3E:00:00:01' }], driverState: null,
    accessIPv4: null, accessIPv6: null, diskConfig: 'MANUAL', configDrive: '', userData: null, reservationId: 'r-1', launchIndex: n,
    progress: 0, createdAt: new Date(1_700_000_000_000 + n), updatedAt: new Date(1_700_000_000_500), launchedAt: new Date(1_700_000_000_123),
    terminatedAt: null, deletedAt: null, fault: null, locked: false, lockedBy: null, tags: ['b', 'a'], description: null,
    ...over,
  } as InstanceRecord);
}

const itemSchema = (version: Microversion) => (detail.response.pick(version) as any).properties.servers.items as Schema; // eslint-disable-line @typescript-eslint/no-explicit-any
const context = (version: string, isAdmin: boolean, extras: ServerViewContext['extras'] = {}): ServerViewContext =>
  ({ publicUrl: 'http://x', auth: auth(isAdmin), version: Microversion.parse(version), extras });

describe('server list cache (GET /servers/detail bodies)', () => {
  const records = [
    record(1),
    record(2, { vmState: VmState.ERROR, fault: { code: 500, message: 'boom', details: 'stack', createdAt: new Date(1_700_000_001_000) } }),
    record(3, { metadata: {}, tags: [], description: 'd', locked: true, lockedReason: 'why' }),
  ];

  it('answers exactly the bytes of JSON.stringify of the rendered body, at every version, for admins and others', () => {
    const cache = new ServerListCache('error', itemSchema);
    const extras = { hostStatus: new Map([['novashim-1', 'UP']]), flavorExtraSpecs: new Map([['1', { 'hw:x': 'y' }]]) };
    for (const version of ['2.1', '2.3', '2.9', '2.16', '2.26', '2.46', '2.47', '2.63', '2.73', '2.79']) {
      for (const isAdmin of [false, true]) {
        const v = context(version, isAdmin, extras);
        const envelope = { servers_links: [{ rel: 'next', href: 'http://x/servers/detail?marker=m' }] };
        const expected = Buffer.from(JSON.stringify({ servers: records.map((i) => renderServer('detail', i, v)), ...envelope }));
        for (let round = 0; round < 2; round++) { // the first renders, the second reuses
          expect(cache.body('detail', records, v, envelope, () => undefined).bytes.equals(expected), `${version} admin=${isAdmin}`).to.equal(true);
        }
        expect(cache.body('detail', [], v, {}, () => undefined).bytes.toString()).to.equal('{"servers":[]}');
      }
    }
  });

  it('renders a server once per record and context, again for a new record or another context', () => {
    let renders = 0;
    const cache = new ServerListCache('warn', (version) => { renders++; return itemSchema(version); });
    const v = context('2.79', false);
    cache.body('detail', records, v, {}, () => undefined);
    expect(renders).to.equal(3);
    cache.body('detail', records, v, {}, () => undefined);
    expect(renders).to.equal(3);
    const changed = [records[0], record(2, { displayName: 'new' }), records[2]];
    const body = JSON.parse(cache.body('detail', changed, v, {}, () => undefined).bytes.toString());
    expect(renders).to.equal(4);
    expect(body.servers[1].name).to.equal('new');
    cache.body('detail', records, context('2.79', true), {}, () => undefined);
    cache.body('detail', records, context('2.78', false), {}, () => undefined);
    expect(renders).to.equal(10);
    cache.body('detail', records, context('2.79', false, { flavorExtraSpecs: new Map([['1', { a: 'b' }]]) }), {}, () => undefined);
    expect(renders).to.equal(13);
  });

  it("checks each new fragment against the item schema: 'warn' reports, 'error' throws, 'ignore' does not look", () => {
    const refusing = { type: 'object', properties: { 'no-such-key': {} }, required: ['no-such-key'] };
    const refuse = () => refusing;
    const warned: string[][] = [];
    new ServerListCache('warn', refuse).body('detail', records.slice(0, 1), context('2.1', false), {}, (p) => warned.push(p));
    expect(warned.length).to.equal(1);
    expect(warned[0][0]).to.contain('no-such-key');
    expect(() => new ServerListCache('error', refuse).body('detail', records.slice(0, 1), context('2.1', false), {}, () => undefined)).to.throw(/does not match/);
    new ServerListCache('ignore', refuse).body('detail', records.slice(0, 1), context('2.1', false), {}, () => { throw new Error('looked'); });
  });

  it("validates a pre-rendered body whole in 'error' mode and its unchecked part in 'warn' mode", () => {
    const route = { name: 'servers.detail' } as RouteDef;
    const spec = detail.response.pick(Microversion.parse('2.1')) as Schema;
    const ctx = { state: { log: { warn: (_o: unknown, m: string) => logged.push(m) } } } as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const logged: string[] = [];
    const bad = new RenderedJson(Buffer.from('{"servers":[{"id":"x"}]}'), { servers: [] });
    expect(() => checkResponse(route, { status: 200, body: bad }, spec, 'error', ctx)).to.throw(/does not match its schema/);
    checkResponse(route, { status: 200, body: bad }, spec, 'warn', ctx); // the fragments were checked when rendered
    expect(logged).to.deep.equal([]);
    const badEnvelope = new RenderedJson(Buffer.from('{"servers":[],"extra":1}'), { servers: [], extra: 1 });
    checkResponse(route, { status: 200, body: badEnvelope }, spec, 'warn', ctx);
    expect(logged.length).to.equal(1);
  });

  it('keys contexts on everything a field reads', () => {
    const keys = new Set([
      contextKey('detail', context('2.1', false)), contextKey('detail', context('2.2', false)), contextKey('detail', context('2.1', true)),
      contextKey('show', context('2.1', false)), contextKey('detail', { ...context('2.1', false), publicUrl: 'http://y' }),
      contextKey('detail', context('2.1', false, { hostStatus: new Map([['h', 'UP']]) })),
      contextKey('detail', context('2.1', false, { hostStatus: new Map([['h', 'DOWN']]) })),
    ]);
    expect(keys.size).to.equal(7);
  });
});

describe('instance record cache (rows by content)', () => {
  it('tells null, empty and the text "null" apart, and where one value ends', () => {
    const prints = new Set([
      fingerprint([null], []), fingerprint([''], []), fingerprint(['null'], []), fingerprint(['~'], []),
      fingerprint(['ab', 'c'], []), fingerprint(['a', 'bc'], []), fingerprint([1], []), fingerprint(['1'], []),
      fingerprint(['a'], ['t']), fingerprint(['a'], ['t', '']), fingerprint(['a', 't'], []),
    ]);
    expect(prints.size).to.equal(11);
  });

  it('gives the same frozen record for an unchanged row and tags, a new one for any change', () => {
    const cache = new RecordCache<{ uuid: string; name: string; tags: readonly string[] }>();
    let builds = 0;
    const build = (row: Record<string, unknown>, tags: readonly string[]) => { builds++; return { uuid: String(row.uuid), name: String(row.name), tags }; };
    const set = (name: string) => ({ columns: ['uuid', 'name'], rows: [['u1', name], ['u2', 'two']] });
    const noTags = () => [];
    const [a1] = cache.records(keyedRows(set('one')), noTags, build);
    const [a2, b2] = cache.records(keyedRows(set('one')), noTags, build);
    expect(a2).to.equal(a1);
    expect(builds).to.equal(2);
    expect(Object.isFrozen(a1) && Object.isFrozen(a1.tags)).to.equal(true);
    const [a3, b3] = cache.records(keyedRows(set('uno')), noTags, build);
    expect(a3).to.not.equal(a1);
    expect(a3.name).to.equal('uno');
    expect(b3).to.equal(b2);
    const [a4] = cache.records(keyedRows(set('uno')), (u) => (u === 'u1' ? ['t'] : []), build);
    expect(a4).to.not.equal(a3);
    expect(a4.tags).to.deep.equal(['t']);
    const [a5] = cache.records(keyedRows({ columns: ['uuid', 'name', 'added'], rows: [['u1', 'uno', null]] }), noTags, build);
    expect(a5).to.not.equal(a4); // another column set (a migration): another content
    expect(cache.records(keyedRows({ columns: [], rows: [] }), noTags, build)).to.deep.equal([]); // knex gives no columns for no rows
    expect(() => keyedRows({ columns: ['id'], rows: [['x']] })).to.throw(/no uuid column/);
  });

  it('stays bounded, keeping the servers lists still return', () => {
    const cache = new RecordCache<{ uuid: string }>(10);
    const build = (row: Record<string, unknown>) => ({ uuid: String(row.uuid) });
    const live = keyedRows({ columns: ['uuid'], rows: [['keep']] });
    const [kept] = cache.records(live, () => [], build);
    for (let n = 0; n < 200; n++) {
      cache.records(keyedRows({ columns: ['uuid'], rows: [[`gone-${n}`]] }), () => [], build);
      expect(cache.records(live, () => [], build)[0]).to.equal(kept); // listed by every request, never evicted
      expect(cache.size).to.be.at.most(10);
    }
  });
});
