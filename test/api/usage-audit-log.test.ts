import { expect } from 'chai';
import { makeTestApp, TestApp } from '../helpers/app';
import { lastCompletedAuditPeriod } from '../../src/compute/usage-audit-log';

describe('compute API: os-instance_usage_audit_log', () => {
  const api = '/compute/v2.1';
  const as = (token: string) => ({ 'x-auth-token': token });
  let t: TestApp;

  before(async () => { t = await makeTestApp(); });
  after(async () => { await t.close(); });

  const keys = ['hosts_not_run', 'log', 'num_hosts', 'num_hosts_done', 'num_hosts_not_run', 'num_hosts_running', 'overall_status',
    'period_beginning', 'period_ending', 'total_errors', 'total_instances'];

  it('reports every compute host as not run: novashim runs no usage audit (what Nova shows before its first run)', async () => {
    const res = await t.request.get(`${api}/os-instance_usage_audit_log`).set(as(t.tokens.admin));
    expect(res.status, res.text).to.equal(200);
    const log = res.body.instance_usage_audit_logs;
    expect(log).to.have.all.keys(...keys);
    const hosts = t.services.drivers.hosts();
    expect(hosts.length).to.be.greaterThan(0);
    expect(log).to.deep.include({
      num_hosts: hosts.length, num_hosts_done: 0, num_hosts_running: 0, num_hosts_not_run: hosts.length,
      hosts_not_run: [...hosts].sort(), total_instances: 0, total_errors: 0, log: {},
      overall_status: `0 of ${hosts.length} hosts done. 0 errors.`,
    });
    // the last completed month
    const { begin, end } = lastCompletedAuditPeriod(new Date());
    expect(log.period_beginning).to.equal(begin.toISOString().replace('T', ' ').slice(0, 19));
    expect(log.period_ending).to.equal(end.toISOString().replace('T', ' ').slice(0, 19));
    expect(log.period_ending).to.match(/^\d{4}-\d\d-01 00:00:00$/);
  });

  it('shows the period completed before a timestamp', async () => {
    const res = await t.request.get(`${api}/os-instance_usage_audit_log/${encodeURIComponent('2012-07-05 10:00:00')}`).set(as(t.tokens.admin));
    expect(res.status, res.text).to.equal(200);
    expect(res.body.instance_usage_audit_log).to.include({ period_beginning: '2012-06-01 00:00:00', period_ending: '2012-07-01 00:00:00' });
    // a period ending exactly at the timestamp has not completed before it; January goes back to December
    const edge = await t.request.get(`${api}/os-instance_usage_audit_log/${encodeURIComponent('2013-01-01 00:00:00.000000')}`).set(as(t.tokens.admin));
    expect(edge.body.instance_usage_audit_log).to.include({ period_beginning: '2012-11-01 00:00:00', period_ending: '2012-12-01 00:00:00' });
  });

  it('400 for a timestamp in another format', async () => {
    for (const bad of ['invalid_time', '2012-07-05T10:00:00', '2012-07-05', '2012-13-05 10:00:00']) {
      const res = await t.request.get(`${api}/os-instance_usage_audit_log/${encodeURIComponent(bad)}`).set(as(t.tokens.admin));
      expect(res.status, bad).to.equal(400);
      expect(res.body.badRequest.message).to.equal(`Invalid timestamp for date ${bad}`);
    }
  });

  it('403 for non-admins (list and show)', async () => {
    for (const token of [t.tokens.demo, t.tokens.reader]) {
      const list = await t.request.get(`${api}/os-instance_usage_audit_log`).set(as(token));
      expect(list.status).to.equal(403);
      expect(list.body.forbidden.message).to.equal("Policy doesn't allow os_compute_api:os-instance-usage-audit-log:list to be performed.");
      const show = await t.request.get(`${api}/os-instance_usage_audit_log/${encodeURIComponent('2012-07-05 10:00:00')}`).set(as(token));
      expect(show.status).to.equal(403);
    }
  });

  it("disabled hosts still count (Nova lists every nova-compute service)", async () => {
    const host = t.services.drivers.hosts()[0];
    await t.services.hostServices.setEnabled(host, 'nova-compute', false);
    try {
      const res = await t.request.get(`${api}/os-instance_usage_audit_log`).set(as(t.tokens.admin));
      expect(res.body.instance_usage_audit_logs.hosts_not_run).to.include(host);
    } finally {
      await t.services.hostServices.setEnabled(host, 'nova-compute', true);
    }
  });
});
