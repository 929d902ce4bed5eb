import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import type { ConnectConfig } from 'ssh2';
import { DriverLog, SILENT_LOG } from './log';
import { loadDockerode } from './dockerode';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';
const DEFAULT_REMOTE_SOCKET = '/var/run/docker.sock';
const DEFAULT_SSH_PORT = 22;
/** ssh2 keepalives notice a dead engine host within ~45 s instead of at the next TCP timeout */
const SSH_KEEPALIVE_MS = 15_000;

/** a Dockerode bound to one engine, plus how to let go of it */
export interface EngineConnection {
  readonly docker: Dockerode;
  /** where it points, safe to log (no credentials) */
  readonly endpoint: string;
  close(): Promise<void>;
}

export interface TransportOptions {
  /** environment to read NOVASHIM_SSH_KEY, NOVASHIM_SSH_HOST_KEY and DOCKER_CERT_PATH from */
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: DriverLog;
}

/** how to release each Dockerode this module built (only ssh ones hold anything) */
const transports = new WeakMap<Dockerode, EngineConnection>();

/** the Dockerode for a DOCKER_HOST string (see connectDocker); release it with closeDocker */
export function dockerFromHost(dockerHost: string = DEFAULT_DOCKER_HOST, opts: TransportOptions = {}): Dockerode {
  const connection = connectDocker(dockerHost, opts);
  transports.set(connection.docker, connection);
  return connection.docker;
}

/**
 * Ends the ssh connection behind a Dockerode from dockerFromHost; a no-op for any other. The
 * Dockerode stays usable (a later request reconnects), so it stays registered for the next close.
 */
export async function closeDocker(docker: Dockerode): Promise<void> {
  await transports.get(docker)?.close();
}

/** docker-modem honours `agent` although @types/dockerode does not declare it */
type DockerOptionsWithAgent = Dockerode.DockerOptions & { agent?: import('node:http').Agent };

/**
 * A Dockerode for a DOCKER_HOST string:
 *  - `unix:///path` (or a bare `/path`); the default is the local /var/run/docker.sock
 *  - `tcp://host:port`, with TLS when DOCKER_CERT_PATH is set (ca.pem, cert.pem, key.pem)
 *  - `ssh://user@host[:port][/remote/docker.sock]`, key file from NOVASHIM_SSH_KEY; host key
 *    pinned by NOVASHIM_SSH_HOST_KEY ("SHA256:…" from `ssh-keygen -lf`) when set
 */
export function connectDocker(dockerHost: string = DEFAULT_DOCKER_HOST, opts: TransportOptions = {}): EngineConnection {
  const env = opts.env ?? process.env;
  if (dockerHost.startsWith('/')) return unixConnection(dockerHost);
  const url = new URL(dockerHost);
  switch (url.protocol) {
    case 'unix:': return unixConnection(url.pathname || '/var/run/docker.sock');
    case 'tcp:': return tcpConnection(url, env);
    case 'ssh:': return sshConnection(url, env, opts.log ?? SILENT_LOG);
    default: throw new Error(`unsupported DOCKER_HOST ${dockerHost}: use unix://, tcp:// or ssh://`);
  }
}

/**
 * docker-modem fills unset options from the process's DOCKER_HOST (and, for tcp, reads
 * DOCKER_CERT_PATH files, throwing if they are missing); a host from there even beats an explicit
 * socketPath. The DOCKER_HOST string given to connectDocker must be the only one that counts, so
 * the variable is hidden while the (synchronous) constructor runs.
 */
function explicitDocker(options: DockerOptionsWithAgent): Dockerode {
  const fromEnv = process.env.DOCKER_HOST;
  delete process.env.DOCKER_HOST;
  try {
    const DockerodeClass = loadDockerode();
    return new DockerodeClass(options);
  } finally {
    if (fromEnv !== undefined) process.env.DOCKER_HOST = fromEnv;
  }
}

function unixConnection(socketPath: string): EngineConnection {
  return { docker: explicitDocker({ socketPath }), endpoint: `unix://${socketPath}`, close: async () => undefined };
}

function tcpConnection(url: URL, env: NodeJS.ProcessEnv): EngineConnection {
  const certDir = env.DOCKER_CERT_PATH;
  const tls = certDir
    ? { protocol: 'https' as const, ...readTlsFiles(certDir) }
    : { protocol: 'http' as const };
  const docker = explicitDocker({ host: url.hostname, port: url.port || (certDir ? 2376 : 2375), ...tls });
  return { docker, endpoint: `${tls.protocol}://${url.host}`, close: async () => undefined };
}

function readTlsFiles(dir: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  const read = (name: string) => readFileSync(join(dir, name));
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}

function sshConnection(url: URL, env: NodeJS.ProcessEnv, log: DriverLog): EngineConnection {
  // ssh2 only for ssh:// engines: it is not loaded otherwise
  const { SshTunnel, sha256Fingerprint, tunnelAgent } = require('./ssh-tunnel') as typeof import('./ssh-tunnel');
  const config = sshConfig(url, env, log, sha256Fingerprint);
  const remoteSocket = url.pathname && url.pathname !== '/' ? url.pathname : DEFAULT_REMOTE_SOCKET;
  const tunnel = new SshTunnel(config, remoteSocket);
  // host/port are placeholders: every connection comes from the agent
  const options: DockerOptionsWithAgent = { protocol: 'http', host: 'docker', port: 80, agent: tunnelAgent(tunnel) };
  return {
    docker: explicitDocker(options),
    endpoint: `ssh://${config.username}@${config.host}:${config.port}${remoteSocket}`,
    close: () => tunnel.close(),
  };
}

function sshConfig(url: URL, env: NodeJS.ProcessEnv, log: DriverLog, sha256Fingerprint: (key: Buffer) => string): ConnectConfig {
  const keyPath = env.NOVASHIM_SSH_KEY;
  if (!keyPath) throw new Error('DOCKER_HOST is ssh://… but NOVASHIM_SSH_KEY (private key file) is not set');
  const host = url.hostname.replace(/^\[|\]$/g, ''); // URL keeps the brackets of IPv6 literals
  const port = url.port ? Number(url.port) : DEFAULT_SSH_PORT;
  const config: ConnectConfig = {
    host,
    port,
    username: decodeURIComponent(url.username) || 'root',
    privateKey: readFileSync(keyPath),
    keepaliveInterval: SSH_KEEPALIVE_MS,
  };
  const pinned = env.NOVASHIM_SSH_HOST_KEY;
  if (pinned) {
    config.hostVerifier = (key: Buffer) => sha256Fingerprint(key) === pinned;
  } else {
    log.warn({ host, port }, 'NOVASHIM_SSH_HOST_KEY is not set: the engine host key is not verified');
  }
  return config;
}
