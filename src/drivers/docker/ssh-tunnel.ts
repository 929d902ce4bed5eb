import { createHash } from 'node:crypto';
import http from 'node:http';
import { Duplex } from 'node:stream';
import { inspect } from 'node:util';
import { Client, ConnectConfig } from 'ssh2';

/**
 * One persistent SSH connection to an engine host; each HTTP request to the engine gets its own
 * `direct-streamlocal` channel to the remote docker socket. This costs 1-2 ms per call, against
 * ~225 ms for docker-modem's built-in ssh mode, which connects and runs `docker system dial-stdio`
 * per request (measured in engines.md §3). The connection is (re)opened lazily on the next request.
 */
export class SshTunnel {
  private connecting: Promise<Client> | null = null;
  private client: Client | null = null;

  constructor(
    private readonly config: ConnectConfig,
    private readonly remoteSocket: string,
  ) {}

  async openChannel(): Promise<Duplex> {
    const client = await this.connected();
    return new Promise((resolve, reject) => {
      client.openssh_forwardOutStreamLocal(this.remoteSocket, (err, channel) => (err ? reject(err) : resolve(channel)));
    });
  }

  async close(): Promise<void> {
    const client = this.client;
    this.forget(client);
    if (!client) return;
    await new Promise<void>((resolve) => {
      client.once('close', () => resolve());
      client.end();
    });
  }

  private connected(): Promise<Client> {
    this.connecting ??= this.connect();
    return this.connecting;
  }

  private connect(): Promise<Client> {
    return new Promise((resolve, reject) => {
      const client = new Client();
      client.once('ready', () => {
        client.setNoDelay(true); // each request is a few small writes; Nagle adds ~40 ms to each
        this.client = client;
        resolve(client);
      });
      // before 'ready' this rejects the pending connect; afterwards 'close' follows and we reconnect
      client.on('error', (err) => {
        this.forget(client);
        reject(err);
      });
      client.once('close', () => this.forget(client));
      client.connect(this.config);
    });
  }

  private forget(client: Client | null): void {
    if (this.client !== client && this.client !== null) return;
    this.client = null;
    this.connecting = null;
  }
}

/** an http.Agent whose "sockets" are streamlocal channels of the tunnel */
export function tunnelAgent(tunnel: SshTunnel): http.Agent {
  const agent = new http.Agent({ keepAlive: false });
  agent.createConnection = (_options, callback) => {
    tunnel.openChannel().then(
      (channel) => callback?.(null, asSocket(channel)),
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  };
  // REQUIRED: docker-modem util.inspect()s the request options (agent included) with depth:null on
  // every request; walking the ssh2 client costs seconds of CPU per call (engines.md §3)
  Object.defineProperty(agent, inspect.custom, { value: () => 'SshTunnelAgent' });
  return agent;
}

/** node's http client calls socket methods a channel does not have; they are meaningless here */
function asSocket(channel: Duplex): Duplex {
  const target = channel as Duplex & Record<string, unknown>;
  for (const method of ['setKeepAlive', 'setNoDelay', 'setTimeout', 'ref', 'unref']) {
    if (typeof target[method] !== 'function') target[method] = () => channel;
  }
  return channel;
}

/** "SHA256:<base64, unpadded>", the format `ssh-keygen -lf` prints */
export function sha256Fingerprint(hostKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(hostKey).digest('base64').replace(/=+$/, '')}`;
}
