import { expect } from 'chai';
import { makeTestApp, TestApp } from './app';
import type { Config } from '../../src/config';
import type { ComputeDriver } from '../../src/drivers/driver';
import { insertImage } from './images';

export const API = '/compute/v2.1';
export const as = (token: string) => ({ 'x-auth-token': token });

/** A Nova fault: `status`, the body `{key: {code: status, message}}`, the message equal to a string or matching a RegExp. */
export function expectFault(res: { status: number; body: any; text: string }, status: number, key: string, message?: string | RegExp): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(res.status, res.text).to.equal(status);
  expect(res.body).to.have.property(key);
  expect(res.body[key].code).to.equal(status);
  if (typeof message === 'string') expect(res.body[key].message).to.equal(message);
  else if (message) expect(res.body[key].message).to.match(message);
}

/** A server as the API shows it, reduced to [status, vm_state, task_state, power_state]. */
export const serverState = (s: Record<string, unknown>): unknown[] =>
  [s.status, s['OS-EXT-STS:vm_state'], s['OS-EXT-STS:task_state'], s['OS-EXT-STS:power_state']];

/**
 * Boots a server on `t` as demo (or `token`) from `image`, flavor 1 unless told, and waits until the background work is done.
 * `name` is the server's name, or more fields of the request's `server` (e.g. `{ name: 'x', key_name: 'k' }`; name 'vm' unless given).
 */
export async function bootServer(t: TestApp, image: string, name: string | Record<string, unknown> = 'vm', token?: string, flavorRef = '1'): Promise<string> {
  const res = await t.request.post(`${API}/servers`).set(as(token ?? t.tokens.demo))
    .send({ server: { name: 'vm', imageRef: image, flavorRef, ...(typeof name === 'string' ? { name } : name) } });
  expect(res.status, res.text).to.equal(202);
  await t.services.tasks.idle();
  return res.body.server.id as string;
}

/**
 * The set-up most compute API suites share, registered in the calling describe(): a test app
 * (in-memory SQLite, the fake driver or `opts.driver`, `opts.config`) with one bootable image (with the fields
 * `opts.image`, e.g. `{ min_ram: 64 }`), closed after the suite.
 */
export function useComputeApp(opts: { driver?: ComputeDriver; config?: Partial<Config>; image?: Record<string, unknown> } = {}) {
  const state: { t?: TestApp; image?: string } = {};
  before(async () => {
    state.t = await makeTestApp(opts);
    state.image = await insertImage(state.t.db, state.t.projects.admin, opts.image);
  });
  after(async () => { await state.t?.close(); });
  return {
    get t(): TestApp { return state.t!; },
    get image(): string { return state.image!; },
    /** boots a server (`name`: its name or request fields, as bootServer) as demo (or `token`), flavor 1 (or `flavorRef`), and waits until the background work is done */
    boot(name: string | Record<string, unknown> = 'vm', token?: string, flavorRef = '1'): Promise<string> {
      return bootServer(state.t!, state.image!, name, token, flavorRef);
    },
  };
}
