import { expect } from 'chai';
import { statusOf, vmStatesForStatus } from '../../src/compute/states';
import { requireState } from '../../src/compute/guards';
import { sanitizeHostname } from '../../src/compute/hostname';
import { fingerprintOf } from '../../src/compute/keypairs';
import { InstanceInvalidState } from '../../src/errors';

describe('compute rules', () => {
  it('maps vm_state × task_state to Nova statuses', () => {
    expect(statusOf('active', null)).to.equal('ACTIVE');
    expect(statusOf('active', 'rebooting')).to.equal('REBOOT');
    expect(statusOf('active', 'rebooting_hard')).to.equal('HARD_REBOOT');
    expect(statusOf('active', 'powering-off')).to.equal('ACTIVE');
    expect(statusOf('building', 'spawning')).to.equal('BUILD');
    expect(statusOf('stopped', null)).to.equal('SHUTOFF');
    expect(statusOf('error', null)).to.equal('ERROR');
    expect(vmStatesForStatus('shutoff')).to.deep.equal({ vm: ['stopped'] });
    expect(vmStatesForStatus('REBOOT')).to.deep.equal({ vm: ['active'], task: ['rebooting'] });
  });

  it('guards transitions with Nova\'s conflict message', () => {
    const instance = { uuid: 'u1', vmState: 'stopped' as const, taskState: null };
    expect(() => requireState(instance, { vm: ['active'] }, 'stop')).to.throw(InstanceInvalidState, "Cannot 'stop' instance u1 while it is in vm_state stopped");
    expect(() => requireState({ ...instance, taskState: 'powering-on' as const }, { vm: ['stopped'], task: [null] }, 'start')).to.throw(/task_state powering-on/);
    expect(() => requireState(instance, { vm: ['stopped'], task: [null] }, 'start')).to.not.throw();
  });

  it('sanitizes hostnames like Nova', () => {
    expect(sanitizeHostname('Web Server_1', 'x')).to.equal('web-server-1');
    expect(sanitizeHostname('..--héllo!!--..', 'x')).to.equal('hllo');
    expect(sanitizeHostname('💥', 'server-abc')).to.equal('server-abc');
    expect(sanitizeHostname('a'.repeat(80), 'x')).to.have.length(63);
  });

  it('fingerprints OpenSSH public keys and refuses junk', () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDm2hbP1ODe4mVuR3GpqB4zqHoCM9WUvhM2/FHq4eCJR';
    expect(fingerprintOf(key)).to.match(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    expect(() => fingerprintOf('ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIDm2hbP1ODe4mVuR3GpqB4zqHoCM9WUvhM2/FHq4eCJR')).to.throw(/invalid/);
    expect(() => fingerprintOf('')).to.throw(/invalid/);
  });
});
