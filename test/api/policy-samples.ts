/**
 * Valid request bodies for the policy matrix: a request that passes validation shows what the
 * policy answers, not what the schema answers. Keyed by server action and by route name.
 */
const IMAGE = '70a599e0-31e7-49b7-b260-868f441e862b';

export const ACTION_SAMPLES: Record<string, unknown> = {
  'os-start': { 'os-start': null },
  'os-stop': { 'os-stop': null },
  reboot: { reboot: { type: 'HARD' } },
  rebuild: { rebuild: { imageRef: IMAGE } },
  resize: { resize: { flavorRef: '2' } },
  confirmResize: { confirmResize: null },
  revertResize: { revertResize: null },
  'os-getConsoleOutput': { 'os-getConsoleOutput': { length: 10 } },
  'os-getSerialConsole': { 'os-getSerialConsole': { type: 'serial' } },
  'os-getVNCConsole': { 'os-getVNCConsole': { type: 'novnc' } },
  'os-getSPICEConsole': { 'os-getSPICEConsole': { type: 'spice-html5' } },
  'os-getRDPConsole': { 'os-getRDPConsole': { type: 'rdp-html5' } },
  changePassword: { changePassword: { adminPass: 'n3w-Passw0rd' } },
  'os-resetState': { 'os-resetState': { state: 'error' } },
  createImage: { createImage: { name: 'stolen-snapshot' } },
  createBackup: { createBackup: { name: 'stolen-backup', backup_type: 'daily', rotation: 1 } },
  lock: { lock: null },
  unlock: { unlock: null },
  pause: { pause: null },
  unpause: { unpause: null },
  suspend: { suspend: null },
  resume: { resume: null },
  rescue: { rescue: null },
  unrescue: { unrescue: null },
  shelve: { shelve: null },
  shelveOffload: { shelveOffload: null },
  unshelve: { unshelve: null },
  migrate: { migrate: null },
  'os-migrateLive': { 'os-migrateLive': { host: null, block_migration: 'auto' } },
  restore: { restore: null },
  forceDelete: { forceDelete: null },
  trigger_crash_dump: { trigger_crash_dump: null },
  addFixedIp: { addFixedIp: { networkId: IMAGE } },
  removeFixedIp: { removeFixedIp: { address: '10.0.0.4' } },
  addFloatingIp: { addFloatingIp: { address: '172.24.4.10' } },
  removeFloatingIp: { removeFloatingIp: { address: '172.24.4.10' } },
  evacuate: { evacuate: {} },
  'os-resetNetwork': { 'os-resetNetwork': null },
  injectNetworkInfo: { injectNetworkInfo: null },
};

export const WRITE_SAMPLES: Record<string, unknown> = {
  'servers.update': { server: { name: 'renamed-by-another-project' } },
  'server_metadata.create': { metadata: { stolen: 'yes' } },
  'server_metadata.update_all': { metadata: { stolen: 'yes' } },
  'server_metadata.update': { meta: { 'demo-secret-meta': 'stolen' } },
  'server_metadata.delete': undefined,
  'server_tags.update_all': { tags: ['stolen'] },
  'server_tags.update': undefined,
  'servers.remote-consoles.create': { remote_console: { protocol: 'serial', type: 'serial' } },
  'server_migrations.force_complete': { force_complete: null },
  'servers.password.clear': undefined,
  'os-server-groups.delete': undefined,
  'keypairs.delete': undefined,
  'images.delete': undefined,
  'images.metadata.create': { metadata: { stolen: 'yes' } },
  'images.metadata.update_all': { metadata: { stolen: 'yes' } },
  'images.metadata.update': { meta: { 'demo-secret-property': 'yes' } },
  'images.metadata.delete': undefined,
};

/** Bodies that differ at 2.1 (the oldest version the matrix sends) from the latest version. */
const SAMPLES_AT_2_1: Record<string, unknown> = {
  'os-migrateLive': { 'os-migrateLive': { host: null, block_migration: false, disk_over_commit: false } },
  evacuate: { evacuate: { onSharedStorage: false } },
};

export function sampleAt(name: string, version: string, latest: unknown): unknown {
  return version !== 'latest' && name in SAMPLES_AT_2_1 ? SAMPLES_AT_2_1[name] : latest;
}
