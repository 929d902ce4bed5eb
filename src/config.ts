import path from 'node:path';

/**
 * One typed, validated, frozen configuration object. Every field is described here (these are the
 * README's table), read from the environment, and passed explicitly to whatever needs it.
 */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly publicUrl: string;
  readonly dataDir: string;
  readonly databaseUrl: string;
  readonly dockerHost: string;
  readonly driver: 'docker' | 'fake';
  readonly adminPassword: string;
  readonly demoPassword: string;
  readonly tokenTtlSec: number;
  readonly tokenCacheSec: number;
  readonly shutdownTimeoutSec: number;
  readonly maxRequestBodyBytes: number;
  readonly maxImageBytes: number;
  readonly responseValidation: 'error' | 'warn' | 'ignore';
  readonly region: string;
  readonly computeHost: string;
  readonly logLevel: string;
  readonly serialConsole: 'enabled' | 'disabled';
  readonly consoleTokenTtlSec: number;
  readonly privateNetwork: string;
  readonly privateSubnet: string;
  readonly shelvedOffloadTimeSec: number;
  readonly forceConfigDrive: boolean;
  readonly reclaimInstanceIntervalSec: number;
  /** seconds between two power state syncs (power-sync.ts); 0: never */
  readonly powerSyncIntervalSec: number;
  /** what the sync does with a container of this deployment no server owns */
  readonly orphanContainerAction: 'stop' | 'log';
  /** seconds between two polls of each compute host's engine (health and resources) for os-services, os-hypervisors and host_status */
  readonly hostPollIntervalSec: number;
}

interface Field<K extends keyof Config> {
  readonly key: K;
  readonly env: string;
  readonly description: string;
  readonly fallback: (partial: Partial<Config>) => Config[K];
  readonly parse: (raw: string) => Config[K];
}

const text = (raw: string) => raw;
const integer = (name: string) => (raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
};
const oneOf = <T extends string>(name: string, values: readonly T[]) => (raw: string): T => {
  if (!values.includes(raw as T)) throw new Error(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
};

const cidr = (name: string) => (raw: string): string => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(raw);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) < 8 || Number(m[5]) > 30) {
    throw new Error(`${name} must be an IPv4 CIDR such as 10.213.0.0/16 (/8 to /30), got "${raw}"`);
  }
  return raw;
};

function field<K extends keyof Config>(f: Field<K>): Field<K> {
  return f;
}

export const CONFIG_FIELDS = [
  field({ key: 'host', env: 'NOVASHIM_HOST', description: 'address to listen on',
    fallback: () => '127.0.0.1', parse: text }),
  field({ key: 'port', env: 'NOVASHIM_PORT', description: 'port for all three APIs (/identity, /compute, /image)',
    fallback: () => 8774, parse: integer('NOVASHIM_PORT') }),
  field({ key: 'publicUrl', env: 'NOVASHIM_PUBLIC_URL', description: 'base URL written into the catalog and links',
    fallback: (c) => `http://${c.host === '0.0.0.0' ? '127.0.0.1' : c.host}:${c.port}`, parse: (raw) => raw.replace(/\/+$/, '') }),
  field({ key: 'dataDir', env: 'NOVASHIM_DATA_DIR', description: 'database, image files and openrc files',
    fallback: () => path.resolve('data'), parse: (raw) => path.resolve(raw) }),
  field({ key: 'databaseUrl', env: 'NOVASHIM_DATABASE_URL', description: 'sqlite:///path, postgres://… or mysql://…',
    fallback: (c) => `sqlite://${path.join(c.dataDir!, 'novashim.sqlite')}`, parse: text }),
  field({ key: 'dockerHost', env: 'DOCKER_HOST', description: 'Docker engine: unix:///path, tcp://h:p or ssh://user@h[:p]',
    fallback: () => 'unix:///var/run/docker.sock', parse: text }),
  field({ key: 'driver', env: 'NOVASHIM_DRIVER', description: 'compute driver: docker, or fake (in memory, for tests)',
    fallback: () => 'docker' as const, parse: oneOf('NOVASHIM_DRIVER', ['docker', 'fake'] as const) }),
  field({ key: 'adminPassword', env: 'NOVASHIM_ADMIN_PASSWORD', description: 'password of the bootstrap admin user (set on first start only)',
    fallback: () => 'admin', parse: text }),
  field({ key: 'demoPassword', env: 'NOVASHIM_DEMO_PASSWORD', description: 'password of the bootstrap demo user (set on first start only)',
    fallback: () => 'demo', parse: text }),
  field({ key: 'tokenTtlSec', env: 'NOVASHIM_TOKEN_TTL', description: 'token lifetime in seconds',
    fallback: () => 3600, parse: integer('NOVASHIM_TOKEN_TTL') }),
  field({ key: 'tokenCacheSec', env: 'NOVASHIM_TOKEN_CACHE_TIME', description: "seconds a validated token is reused without reading it again; this process's own revocations apply at once (keystonemiddleware's token_cache_time)",
    fallback: () => 5, parse: integer('NOVASHIM_TOKEN_CACHE_TIME') }),
  field({ key: 'shutdownTimeoutSec', env: 'NOVASHIM_SHUTDOWN_TIMEOUT', description: "seconds a stop waits for a clean shutdown before killing (Nova's shutdown_timeout)",
    fallback: () => 10, parse: integer('NOVASHIM_SHUTDOWN_TIMEOUT') }),
  field({ key: 'maxRequestBodyBytes', env: 'NOVASHIM_MAX_BODY', description: "largest JSON request body (Nova's max_request_body_size)",
    fallback: () => 114688, parse: integer('NOVASHIM_MAX_BODY') }),
  field({ key: 'maxImageBytes', env: 'NOVASHIM_MAX_IMAGE', description: "largest image upload (Glance's image_size_cap)",
    fallback: () => 1099511627776, parse: integer('NOVASHIM_MAX_IMAGE') }),
  field({ key: 'responseValidation', env: 'NOVASHIM_RESPONSE_VALIDATION', description: 'check responses against their schemas: error, warn or ignore',
    fallback: () => 'warn' as const, parse: oneOf('NOVASHIM_RESPONSE_VALIDATION', ['error', 'warn', 'ignore'] as const) }),
  field({ key: 'region', env: 'NOVASHIM_REGION', description: 'region name in the catalog',
    fallback: () => 'RegionOne', parse: text }),
  field({ key: 'computeHost', env: 'NOVASHIM_COMPUTE_HOST', description: 'name of the local compute host (the engine at DOCKER_HOST)',
    fallback: () => 'novashim-1', parse: text }),
  field({ key: 'logLevel', env: 'NOVASHIM_LOG_LEVEL', description: 'pino log level',
    fallback: () => 'info', parse: text }),
  field({ key: 'serialConsole', env: 'NOVASHIM_SERIAL_CONSOLE', description: "os-getSerialConsole: enabled or disabled (Nova's [serial_console] enabled)",
    fallback: () => 'enabled' as const, parse: oneOf('NOVASHIM_SERIAL_CONSOLE', ['enabled', 'disabled'] as const) }),
  field({ key: 'consoleTokenTtlSec', env: 'NOVASHIM_CONSOLE_TOKEN_TTL', description: "seconds a console URL's one-time token stays valid (Nova's [consoleauth] token_ttl)",
    fallback: () => 600, parse: integer('NOVASHIM_CONSOLE_TOKEN_TTL') }),
  field({ key: 'privateNetwork', env: 'NOVASHIM_PRIVATE_NETWORK', description: 'Docker network the servers join (API network "private"); created when missing',
    fallback: () => 'novashim-private', parse: text }),
  field({ key: 'privateSubnet', env: 'NOVASHIM_PRIVATE_SUBNET', description: 'IPv4 subnet (CIDR, /8 to /30) of that network when novashim creates it',
    fallback: () => '10.213.0.0/16', parse: cidr('NOVASHIM_PRIVATE_SUBNET') }),
  field({ key: 'forceConfigDrive', env: 'NOVASHIM_FORCE_CONFIG_DRIVE', description: "give every new server a config drive, true or false (Nova's force_config_drive)",
    fallback: () => false, parse: (raw) => oneOf('NOVASHIM_FORCE_CONFIG_DRIVE', ['true', 'false'] as const)(raw) === 'true' }),
  field({ key: 'shelvedOffloadTimeSec', env: 'NOVASHIM_SHELVED_OFFLOAD_TIME', description: "seconds a shelved server keeps its container before it is offloaded; 0 at once, -1 never (Nova's shelved_offload_time)",
    fallback: () => 0, parse: (raw) => (raw.trim() === '-1' ? -1 : integer('NOVASHIM_SHELVED_OFFLOAD_TIME')(raw)) }),
  field({ key: 'reclaimInstanceIntervalSec', env: 'NOVASHIM_RECLAIM_INSTANCE_INTERVAL', description: "seconds a deleted server stays SOFT_DELETED (restorable) before it is reclaimed; 0 deletes at once (Nova's reclaim_instance_interval)",
    fallback: () => 0, parse: integer('NOVASHIM_RECLAIM_INSTANCE_INTERVAL') }),
  field({ key: 'powerSyncIntervalSec', env: 'NOVASHIM_POWER_SYNC_INTERVAL', description: "seconds between two syncs of the servers' power states with the engine (containers stopped, started or removed behind novashim's back); 0 disables (Nova's sync_power_state_interval)",
    fallback: () => 600, parse: integer('NOVASHIM_POWER_SYNC_INTERVAL') }),
  field({ key: 'orphanContainerAction', env: 'NOVASHIM_ORPHAN_CONTAINER_ACTION', description: "what the power sync does with a container labelled for this deployment that no server owns: stop (logged, then stopped, never removed) or log",
    fallback: () => 'stop' as const, parse: oneOf('NOVASHIM_ORPHAN_CONTAINER_ACTION', ['stop', 'log'] as const) }),
  field({ key: 'hostPollIntervalSec', env: 'NOVASHIM_HOST_POLL_INTERVAL', description: "seconds between two polls of each compute host's engine (ping and `docker info`); os-services, os-hypervisors and host_status answer from the last poll, so no request waits on the engine; 0 asks the engine on every such request (Nova's report_interval)",
    fallback: () => 10, parse: integer('NOVASHIM_HOST_POLL_INTERVAL') }),
] as const;

/** Builds the config from an environment; overrides win (tests pass them directly). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const built: Partial<Record<keyof Config, unknown>> = {};
  for (const f of CONFIG_FIELDS) {
    if (f.key in overrides) built[f.key] = overrides[f.key];
    else if (env[f.env] !== undefined && env[f.env] !== '') built[f.key] = f.parse(env[f.env]!);
    else built[f.key] = f.fallback(built as Partial<Config>);
  }
  return Object.freeze(built as unknown as Config);
}

/** The config as it may be logged: secrets replaced. */
export function redactConfig(config: Config): Record<string, unknown> {
  return { ...config, adminPassword: '***', demoPassword: '***', databaseUrl: config.databaseUrl.replace(/:[^:@/]+@/, ':***@') };
}
