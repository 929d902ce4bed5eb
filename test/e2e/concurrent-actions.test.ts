import { expect } from 'chai';
import { containerOf, localDocker } from '../helpers/engine';
import { until, useLiveApi } from '../helpers/live-api';

/* eslint-disable @typescript-eslint/no-explicit-any -- API bodies are read field by field */

/** 10 actions fired at once: for any of ACTIVE, SHUTOFF and PAUSED at least two of them are allowed */
const VOLLEY: readonly object[] = [
  { 'os-stop': null }, { 'os-stop': null }, { 'os-start': null }, { 'os-start': null }, { reboot: { type: 'SOFT' } },
  { pause: null }, { unpause: null }, { unpause: null }, { resume: null }, { resume: null },
];
const ROUNDS = 6;

/** what the engine shows for each settled status */
const ENGINE_STATE: Record<string, string> = { ACTIVE: 'running', SHUTOFF: 'exited', PAUSED: 'paused' };

/**
 * Concurrent actions on one server through the HTTP API on the real Docker engine are serialized:
 * the task_state is claimed atomically, so of a volley of 10 concurrent stop/start/reboot/pause/…
 * requests exactly one is accepted (202) and every other one gets Nova's conflictingRequest 409;
 * the server then settles in the winner's state, the container agrees, and only the winner was
 * recorded as an instance action.
 */
describe('concurrent actions on one server are serialized (live server, real Docker engine)', function () {
  this.timeout(120_000);
  const docker = localDocker();
  const api = useLiveApi(docker);

  it(`${ROUNDS} volleys of ${VOLLEY.length} concurrent actions: exactly one 202 each, the rest 409 conflictingRequest, a consistent end state`, async () => {
    const id = await api.boot({ name: 'contended', imageRef: await api.busyboxImage() });
    const actions = async () => (await api.call('GET', `/compute/v2.1/servers/${id}/os-instance-actions`)).body.instanceActions.length;
    const seen: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const before = await actions();
      const volley = [...VOLLEY].sort(() => Math.random() - 0.5); // a different request first each time
      const replies = await Promise.all(volley.map((body) => api.call('POST', `/compute/v2.1/servers/${id}/action`, body)
        .then((r) => ({ action: Object.keys(body)[0], ...r }))));
      const won = replies.filter((r) => r.status === 202);
      const lost = replies.filter((r) => r.status !== 202);
      expect(won.map((r) => r.action), `round ${round}: ${JSON.stringify(replies.map((r) => [r.action, r.status]))}`).to.have.length(1);
      for (const r of lost) {
        expect(r.status, `${r.action}: ${JSON.stringify(r.body)}`).to.equal(409);
        expect(r.body.conflictingRequest.code).to.equal(409);
        expect(r.body.conflictingRequest.message).to.match(/^Cannot '.+' instance .+ while it is in (vm|task)_state /);
      }
      let server: any = null;
      await until(async () => {
        server = (await api.call('GET', `/compute/v2.1/servers/${id}`)).body.server;
        return server['OS-EXT-STS:task_state'] === null;
      }, 30);
      const expected = { 'os-stop': 'SHUTOFF', 'os-start': 'ACTIVE', reboot: 'ACTIVE', pause: 'PAUSED', unpause: 'ACTIVE', resume: 'ACTIVE' }[won[0].action];
      expect(server.status, `${won[0].action} won`).to.equal(expected);
      expect((await containerOf(docker, id))!.State.Status).to.equal(ENGINE_STATE[server.status]);
      expect(await actions(), 'instance actions recorded').to.equal(before + 1);
      seen.push(`${won[0].action}→${server.status}`);
    }
    console.log(`      winners: ${seen.join(', ')}`); // eslint-disable-line no-console
  });
});
