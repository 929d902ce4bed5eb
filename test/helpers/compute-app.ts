import { expect } from 'chai';
import { makeTestApp, TestApp } from './app';
import { insertImage } from './images';

export const API = '/compute/v2.1';
export const as = (token: string) => ({ 'x-auth-token': token });

/**
 * The set-up most compute API suites share, registered in the calling describe(): a test app
 * (in-memory SQLite, fake driver) with one bootable image, closed after the suite.
 */
export function useComputeApp() {
  const state: { t?: TestApp; image?: string } = {};
  before(async () => {
    state.t = await makeTestApp();
    state.image = await insertImage(state.t.db, state.t.projects.admin);
  });
  after(async () => { await state.t?.close(); });
  return {
    get t(): TestApp { return state.t!; },
    get image(): string { return state.image!; },
    /** boots a server as demo (or `token`) and waits until the background work is done */
    async boot(name = 'vm', token?: string): Promise<string> {
      const t = state.t!;
      const res = await t.request.post(`${API}/servers`).set(as(token ?? t.tokens.demo))
        .send({ server: { name, imageRef: state.image, flavorRef: '1' } });
      expect(res.status, res.text).to.equal(202);
      await t.services.tasks.idle();
      return res.body.server.id as string;
    },
  };
}
