import { expect } from 'chai';
import * as tar from 'tar-stream';
import { Readable } from 'node:stream';
import {
  addressFiles, configDriveFiles, configDriveFor, ConfigDriveInstance, ec2MetaData, metaData, networkData, OPENSTACK_VERSIONS,
} from '../../src/compute/config-drive';
import { configDriveArchive, CONFIG_DRIVE_LINK, CONFIG_DRIVE_PATH } from '../../src/drivers/docker/config-drive';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests demo@host';
const SCRIPT = '#!/bin/sh\necho "hello from user_data"\n';

const instance: ConfigDriveInstance = {
  uuid: '6f1c0b3e-8a5d-4c39-9a2f-0c1d2e3f4a5b', displayName: 'web 1', hostname: 'web-1', projectId: 'p-123',
  availabilityZone: 'nova', launchIndex: 0, metadata: { role: 'web', tier: 'front' },
  userData: Buffer.from(SCRIPT).toString('base64'), keyName: 'mykey', keyData: KEY, reservationId: 'r-abcd1234',
  imageRef: '0a1b2c3d-0000-4000-8000-000000000000',
  flavor: { id: '1', name: 'm1.tiny', memoryMb: 512, vcpus: 1, rootGb: 1, ephemeralGb: 0, swap: 0 },
};
const seed = (n: number) => Buffer.alloc(n, 7);
const json = (b: Buffer | undefined) => JSON.parse(b!.toString('utf8'));
const ADDR = { network: 'private', addr: '172.17.0.5', version: 4 as const, mac: '02:42:ac:11:00:05' };

describe('config drive contents (Nova InstanceMetadata.metadata_for_config_drive)', function () {
  it('openstack/latest/meta_data.json has Nova\'s keys and values', function () {
    const files = configDriveFiles({ instance, addresses: [], random: seed });
    const md = json(files['openstack/latest/meta_data.json']);
    expect(md).to.deep.equal({
      uuid: instance.uuid,
      meta: { role: 'web', tier: 'front' },
      public_keys: { mykey: KEY },
      keys: [{ name: 'mykey', type: 'ssh', data: KEY }],
      hostname: 'web-1.novalocal',
      name: 'web 1',
      launch_index: 0,
      availability_zone: 'nova',
      random_seed: seed(512).toString('base64'),
      project_id: 'p-123',
      devices: [],
      dedicated_cpus: [],
    });
    expect(Buffer.from(md.random_seed, 'base64')).to.have.length(512);
  });

  it('dated versions carry only the keys of their time (random_seed from 2013-04-04, project_id 2015-10-15, devices 2016-06-30)', function () {
    const folsom = metaData({ instance, addresses: [] }, '2012-08-10');
    expect(folsom).to.not.have.any.keys('random_seed', 'project_id', 'devices', 'dedicated_cpus');
    expect(folsom).to.include({ uuid: instance.uuid, name: 'web 1' });
    expect(metaData({ instance, addresses: [] }, '2013-04-04')).to.have.property('random_seed');
    expect(metaData({ instance, addresses: [] }, '2013-04-04')).to.not.have.property('project_id');
    expect(metaData({ instance, addresses: [] }, '2015-10-15')).to.include({ project_id: 'p-123' }).and.not.have.property('devices');
    expect(metaData({ instance, addresses: [] }, '2016-06-30')).to.have.deep.property('devices', []);
  });

  it('lays out Nova\'s tree: every OpenStack version, vendor data from Havana, network data from Liberty, EC2 2009-04-04 and latest', function () {
    const files = configDriveFiles({ instance, addresses: [ADDR] });
    for (const v of [...OPENSTACK_VERSIONS, 'latest']) {
      expect(files, v).to.have.property(`openstack/${v}/meta_data.json`);
      expect(files, v).to.have.property(`openstack/${v}/user_data`);
    }
    expect(files).to.not.have.property('openstack/2012-08-10/vendor_data.json');
    expect(json(files['openstack/2013-10-17/vendor_data.json'])).to.deep.equal({});
    expect(files).to.not.have.property('openstack/2013-10-17/network_data.json');
    expect(files).to.have.property('openstack/2015-10-15/network_data.json');
    expect(files).to.not.have.property('openstack/2016-06-30/vendor_data2.json');
    expect(json(files['openstack/latest/vendor_data2.json'])).to.deep.equal({ static: {} });
    expect(Object.keys(files).filter((p) => p.startsWith('ec2/')).sort()).to.deep.equal([
      'ec2/2009-04-04/meta-data.json', 'ec2/2009-04-04/user-data', 'ec2/latest/meta-data.json', 'ec2/latest/user-data',
    ]);
  });

  it('user_data is the decoded base64 given at create, not base64', function () {
    const files = configDriveFiles({ instance, addresses: [] });
    expect(files['openstack/latest/user_data'].toString('utf8')).to.equal(SCRIPT);
    expect(files['ec2/latest/user-data'].toString('utf8')).to.equal(SCRIPT);
    // binary user data stays byte for byte (a gzipped cloud-config, say)
    const bytes = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00]);
    const bin = configDriveFiles({ instance: { ...instance, userData: bytes.toString('base64') }, addresses: [] });
    expect(bin['openstack/latest/user_data'].equals(bytes)).to.equal(true);
  });

  it('no user_data file when none was given', function () {
    const files = configDriveFiles({ instance: { ...instance, userData: null }, addresses: [] });
    expect(Object.keys(files).filter((p) => /user[-_]data$/.test(p))).to.deep.equal([]);
    expect(files).to.have.property('openstack/latest/meta_data.json');
  });

  it('no keys without a keypair, and no meta without server metadata (as Nova leaves them out)', function () {
    const md = metaData({ instance: { ...instance, keyName: null, keyData: null, metadata: {} }, addresses: [] }, 'latest');
    expect(md).to.not.have.any.keys('public_keys', 'keys', 'meta');
    const ec2 = ec2MetaData({ instance: { ...instance, keyName: null, keyData: null }, addresses: [] });
    expect(ec2).to.not.have.property('public-keys');
  });

  it('an explicit keypair wins over the one stored on the instance', function () {
    const md = metaData({ instance, keypair: { name: 'other', type: 'x509', publicKey: 'CERT' }, addresses: [] }, 'latest');
    expect(md.public_keys).to.deep.equal({ other: 'CERT' });
    expect(md.keys).to.deep.equal([{ name: 'other', type: 'x509', data: 'CERT' }]);
  });

  it('network_data.json: {} before an address is known, then links, networks and services from the addresses', function () {
    expect(networkData({ instance, addresses: [] })).to.deep.equal({});
    const v6 = { network: 'private', addr: 'fd00::5', version: 6 as const, mac: ADDR.mac };
    const nd = networkData({ instance, addresses: [ADDR, v6] }) as { links: any[]; networks: any[]; services: unknown[] }; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(nd.links).to.have.length(1);
    expect(nd.links[0]).to.include({ id: 'interface0', type: 'phy', ethernet_mac_address: ADDR.mac });
    expect(nd.links[0].vif_id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(nd.networks).to.deep.equal([
      { id: 'network0', type: 'ipv4', link: 'interface0', ip_address: '172.17.0.5', routes: [], network_id: 'private' },
      { id: 'network1', type: 'ipv6', link: 'interface0', ip_address: 'fd00::5', routes: [], network_id: 'private' },
    ]);
    expect(nd.services).to.deep.equal([]);
  });

  it('EC2 meta-data.json: ids, hostname, local-ipv4, the key, the flavor', function () {
    const md = ec2MetaData({ instance, addresses: [ADDR] });
    expect(md).to.deep.include({
      'ami-id': 'ami-0a1b2c3d', 'instance-id': 'i-6f1c0b3e', 'ami-launch-index': 0, 'reservation-id': 'r-abcd1234',
      hostname: 'web-1.novalocal', 'local-hostname': 'web-1.novalocal', 'local-ipv4': '172.17.0.5', 'instance-type': 'm1.tiny',
      'public-keys': { 0: { 'openssh-key': KEY } }, placement: { 'availability-zone': 'nova' }, 'instance-action': 'none',
    });
    expect(ec2MetaData({ instance, addresses: [] })['local-ipv4']).to.equal(null);
  });

  it('addressFiles holds exactly the address-dependent files, with the new address', function () {
    const files = addressFiles({ instance, addresses: [ADDR] });
    expect(Object.keys(files).every((p) => /network_data\.json$|meta-data\.json$/.test(p))).to.equal(true);
    expect(json(files['openstack/latest/network_data.json']).networks[0].ip_address).to.equal('172.17.0.5');
    expect(json(files['ec2/latest/meta-data.json'])['local-ipv4']).to.equal('172.17.0.5');
  });

  it('configDriveFor: only for config_drive "True"; withAddresses rebuilds the address files', function () {
    const record = { ...instance, configDrive: 'True', addresses: [] };
    expect(configDriveFor({ ...record, configDrive: '' })).to.equal(undefined);
    const drive = configDriveFor(record)!;
    expect(json(drive.files['openstack/latest/meta_data.json'] as Buffer).uuid).to.equal(instance.uuid);
    const later = drive.withAddresses!([ADDR]);
    expect(json(later['openstack/latest/network_data.json'] as Buffer).networks[0].ip_address).to.equal('172.17.0.5');
  });
});

describe('config drive archive for the Docker engine', function () {
  async function entries(archive: Buffer): Promise<Map<string, tar.Header & { body: string }>> {
    const found = new Map<string, tar.Header & { body: string }>();
    const extract = tar.extract();
    Readable.from([archive]).pipe(extract);
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      found.set(entry.header.name, { ...entry.header, body: Buffer.concat(chunks).toString('utf8') });
    }
    return found;
  }

  it('puts the tree under /var/lib/cloud/seed/config_drive with root-owned 0644 files and a /mnt/config link', async function () {
    const found = await entries(await configDriveArchive({ 'openstack/latest/user_data': 'hi', 'ec2/latest/meta-data.json': '{}' }, true));
    const base = CONFIG_DRIVE_PATH.slice(1);
    expect(found.get(`${base}/openstack/latest/user_data`)).to.include({ type: 'file', mode: 0o644, uid: 0, gid: 0, body: 'hi' });
    expect(found.get(`${base}/openstack/latest`)).to.include({ type: 'directory', mode: 0o755 });
    expect(found.get(base)).to.include({ type: 'directory' });
    expect(found.get(CONFIG_DRIVE_LINK.slice(1))).to.include({ type: 'symlink', linkname: CONFIG_DRIVE_PATH });
    // ancestors of the drive (var, var/lib…) are not in the tar: their owner and mode in the image stay as they are
    expect(found.has('var')).to.equal(false);
    expect(found.has('var/lib/cloud')).to.equal(false);
  });

  it('no link when asked not to, and a path escaping the drive is refused', async function () {
    const found = await entries(await configDriveArchive({ 'openstack/latest/meta_data.json': '{}' }, false));
    expect(found.has(CONFIG_DRIVE_LINK.slice(1))).to.equal(false);
    for (const bad of ['../etc/passwd', '/etc/passwd', 'openstack//x', 'a/./b']) {
      let err: unknown = null;
      try { await configDriveArchive({ [bad]: 'x' }, false); } catch (e) { err = e; }
      expect(err, bad).to.be.instanceOf(Error);
    }
  });
});
