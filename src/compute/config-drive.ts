import { createHash, randomBytes } from 'node:crypto';
import type { DriverConfigDrive, NetworkAddress } from '../drivers/driver';
import type { InstanceRecord } from '../db/stores/instances';

/**
 * Nova's config drive contents (nova/api/metadata/base.py InstanceMetadata.metadata_for_config_drive,
 * with Nova's defaults: vendordata_providers=StaticJSON without a file, config_drive_skip_versions
 * skipping every EC2 version but 2009-04-04, dhcp_domain=novalocal, no injected files, no
 * admin_pass). A pure function of the instance, its keypair and its addresses: a map from the
 * path inside the drive (`openstack/latest/meta_data.json`) to the file's bytes.
 *
 * Where the files land in a container is the driver's business (a real drive is an ISO labelled
 * config-2; a container has no block devices — see src/drivers/docker/config-drive.ts).
 */

/** nova/api/metadata/base.py OPENSTACK_VERSIONS, oldest first */
export const OPENSTACK_VERSIONS = ['2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27', '2020-10-14'] as const;
const [, GRIZZLY, HAVANA, LIBERTY, NEWTON_ONE, NEWTON_TWO, , , VICTORIA] = OPENSTACK_VERSIONS;
/** the EC2 versions a config drive holds with Nova's default config_drive_skip_versions */
export const EC2_VERSIONS = ['2009-04-04', 'latest'] as const;
/** Nova's [api] dhcp_domain default: the metadata hostname is <hostname>.<dhcp_domain> */
export const DEFAULT_DHCP_DOMAIN = 'novalocal';

export interface ConfigDriveKeypair {
  readonly name: string;
  /** 'ssh' (x509 keys need microversion 2.2, which novashim does not offer) */
  readonly type: string;
  readonly publicKey: string;
}

export type ConfigDriveInstance = Pick<InstanceRecord, 'uuid' | 'displayName' | 'hostname' | 'projectId' | 'availabilityZone' |
  'launchIndex' | 'metadata' | 'userData' | 'keyName' | 'keyData' | 'reservationId' | 'imageRef' | 'flavor'>;

export interface ConfigDriveInput {
  readonly instance: ConfigDriveInstance;
  /** the server's keypair; by default the one stored on the instance (key_name, key_data, type ssh) */
  readonly keypair?: ConfigDriveKeypair | null;
  readonly addresses: readonly NetworkAddress[];
  /** the source of meta_data.json's random_seed (512 bytes, as Nova's os.urandom(512)) */
  readonly random?: (size: number) => Buffer;
  readonly dhcpDomain?: string;
}

export type ConfigDriveFiles = Record<string, Buffer>;

/** Every file of the drive. */
export function configDriveFiles(input: ConfigDriveInput): ConfigDriveFiles {
  const files: ConfigDriveFiles = {};
  const userData = userDataOf(input.instance);
  const all = [...OPENSTACK_VERSIONS, 'latest'];
  for (const version of all) {
    const dir = `openstack/${version}`;
    files[`${dir}/meta_data.json`] = json(metaData(input, version));
    if (userData) files[`${dir}/user_data`] = userData;
    if (atLeast(version, HAVANA)) files[`${dir}/vendor_data.json`] = json({});
    if (atLeast(version, NEWTON_TWO)) files[`${dir}/vendor_data2.json`] = json({ static: {} });
  }
  for (const version of EC2_VERSIONS) if (userData) files[`ec2/${version}/user-data`] = userData;
  return { ...files, ...addressFiles(input) };
}

/**
 * The files that depend on the instance's addresses: network_data.json and the EC2 meta-data.json
 * (local-ipv4). An engine assigns the address when the instance starts, so a driver writes these
 * again once it runs (the other files never change during a boot).
 */
export function addressFiles(input: ConfigDriveInput): ConfigDriveFiles {
  const files: ConfigDriveFiles = {};
  for (const version of [...OPENSTACK_VERSIONS, 'latest']) {
    if (atLeast(version, LIBERTY)) files[`openstack/${version}/network_data.json`] = json(networkData(input));
  }
  for (const version of EC2_VERSIONS) files[`ec2/${version}/meta-data.json`] = json(ec2MetaData(input));
  return files;
}

/** What the driver gets for a server with a config drive (config_drive "True"), else undefined. */
export function configDriveFor(instance: ConfigDriveInstance & Pick<InstanceRecord, 'configDrive' | 'addresses'>): DriverConfigDrive | undefined {
  if (instance.configDrive !== 'True') return undefined;
  return {
    files: configDriveFiles({ instance, addresses: instance.addresses }),
    withAddresses: (addresses) => addressFiles({ instance, addresses }),
  };
}

/** user_data as given at create is base64; the drive holds it decoded. Absent: no file. */
export function userDataOf(instance: Pick<InstanceRecord, 'userData'>): Buffer | null {
  return instance.userData === null || instance.userData === undefined ? null : Buffer.from(instance.userData, 'base64');
}

/** InstanceMetadata._metadata_as_json for one version, keys in Nova's order */
export function metaData(input: ConfigDriveInput, version: string): Record<string, unknown> {
  const { instance } = input;
  const md: Record<string, unknown> = { uuid: instance.uuid };
  if (Object.keys(instance.metadata).length > 0) md.meta = { ...instance.metadata };
  const keypair = keypairOf(input);
  if (keypair) {
    md.public_keys = { [keypair.name]: keypair.publicKey };
    md.keys = [{ name: keypair.name, type: keypair.type, data: keypair.publicKey }];
  }
  md.hostname = hostnameOf(input);
  md.name = instance.displayName;
  md.launch_index = instance.launchIndex;
  md.availability_zone = instance.availabilityZone;
  if (atLeast(version, GRIZZLY)) md.random_seed = (input.random ?? randomBytes)(512).toString('base64');
  if (atLeast(version, LIBERTY)) md.project_id = instance.projectId;
  if (atLeast(version, NEWTON_ONE)) md.devices = [];
  if (atLeast(version, VICTORIA)) md.dedicated_cpus = [];
  return md;
}

/**
 * nova/virt/netutils.get_network_metadata: one link per interface (by network and MAC), one network
 * per address; {} before the instance has any. The engine configures the interface itself, so the
 * netmask and routes are not known here and are left out; there is no DNS service entry.
 */
export function networkData(input: ConfigDriveInput): Record<string, unknown> {
  if (input.addresses.length === 0) return {};
  const links: Record<string, unknown>[] = [];
  const networks: Record<string, unknown>[] = [];
  const linkIds = new Map<string, string>();
  for (const a of input.addresses) {
    const key = `${a.network}\n${a.mac ?? ''}`;
    let link = linkIds.get(key);
    if (!link) {
      link = `interface${linkIds.size}`;
      linkIds.set(key, link);
      links.push({ id: link, vif_id: stableUuid(`${input.instance.uuid}\n${key}`), type: 'phy', mtu: null, ethernet_mac_address: a.mac });
    }
    networks.push({ id: `network${networks.length}`, type: `ipv${a.version}`, link, ip_address: a.addr, routes: [], network_id: a.network });
  }
  return { links, networks, services: [] };
}

/** InstanceMetadata.get_ec2_metadata('2009-04-04')['meta-data'], public-keys without its _name */
export function ec2MetaData(input: ConfigDriveInput): Record<string, unknown> {
  const { instance } = input;
  const hostname = hostnameOf(input);
  const fixed = input.addresses.find((a) => a.version === 4)?.addr ?? null;
  const md: Record<string, unknown> = {
    'ami-id': ec2Id('ami', instance.imageRef),
    'ami-launch-index': instance.launchIndex,
    'ami-manifest-path': 'FIXME',
    'instance-id': ec2Id('i', instance.uuid),
    hostname,
    'local-ipv4': fixed,
    'reservation-id': instance.reservationId,
    'security-groups': ['default'],
  };
  const keypair = keypairOf(input);
  if (keypair) md['public-keys'] = { 0: { 'openssh-key': keypair.publicKey } };
  md['local-hostname'] = hostname;
  md['public-hostname'] = hostname;
  md['public-ipv4'] = '';
  md['instance-type'] = instance.flavor.name;
  md['block-device-mapping'] = { ami: 'vda', root: '/dev/vda' };
  md.placement = { 'availability-zone': instance.availabilityZone };
  md['instance-action'] = 'none';
  return md;
}

function keypairOf(input: ConfigDriveInput): ConfigDriveKeypair | null {
  if (input.keypair !== undefined) return input.keypair;
  const { keyName, keyData } = input.instance;
  return keyName && keyData ? { name: keyName, type: 'ssh', publicKey: keyData } : null;
}

const hostnameOf = (input: ConfigDriveInput): string => {
  const domain = input.dhcpDomain ?? DEFAULT_DHCP_DOMAIN;
  return domain ? `${input.instance.hostname}.${domain}` : input.instance.hostname;
};

/** Nova's EC2 ids are <prefix>-%08x of an integer id; here the first 8 hex digits of the UUID */
const ec2Id = (prefix: string, uuid: string): string => `${prefix}-${uuid.replace(/-/g, '').slice(0, 8).padEnd(8, '0')}`;

function stableUuid(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const atLeast = (version: string, required: string): boolean => version === 'latest' || version >= required;
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
