import { timingSafeEqual } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { AddressInfo, connect } from 'node:net';
import { join } from 'node:path';
import { AuthContext, Connection, ParsedKey, Server, utils } from 'ssh2';
import { sha256Fingerprint } from '../../src/drivers/docker/ssh-tunnel';

/**
 * An in-process sshd on 127.0.0.1 that accepts one client key and forwards
 * direct-streamlocal channels for `remoteSocket` to a local socket (ssh2's test/common.js idea).
 * It stands in for an engine host reached over ssh, without touching the machine's sshd.
 */
export class SshBridge {
  /** TCP connections accepted, and streamlocal channels opened, so far */
  connections = 0;
  channels = 0;
  /** server-side ends of the client connections still open */
  readonly open = new Set<Connection>();
  readonly hostKeyFingerprint: string;
  private readonly server: Server;
  private readonly clientKey = utils.generateKeyPairSync('ed25519');

  constructor(private readonly localSocket: string, private readonly remoteSocket = '/var/run/docker.sock') {
    const hostKey = utils.generateKeyPairSync('ed25519');
    this.hostKeyFingerprint = sha256Fingerprint(parsed(hostKey.public).getPublicSSH());
    // ssh2 clients use OpenSSH extensions only with servers that say they are OpenSSH
    this.server = new Server({ hostKeys: [hostKey.private], ident: 'OpenSSH_9.2' }, (client) => {
      this.connections += 1;
      this.open.add(client);
      client.on('close', () => this.open.delete(client));
      client.on('authentication', (ctx) => (this.allowed(ctx) ? ctx.accept() : ctx.reject(['publickey'])));
      client.on('ready', () => client.on('openssh.streamlocal', (accept, reject, info) => {
        if (info.socketPath !== this.remoteSocket) return reject();
        this.channels += 1;
        const channel = accept();
        const engine = connect(this.localSocket);
        channel.pipe(engine).pipe(channel);
        engine.on('error', () => channel.destroy());
        channel.on('error', () => engine.destroy());
      }));
      client.on('error', () => undefined); // a client that goes away is not a test failure
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** writes the client's private key (OpenSSH format) where NOVASHIM_SSH_KEY can point */
  writeClientKey(dir: string): string {
    const path = join(dir, 'id_ed25519');
    writeFileSync(path, this.clientKey.private, { mode: 0o600 });
    return path;
  }

  /** stops listening and drops any connection a client left open */
  close(): Promise<void> {
    for (const client of this.open) client.end();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private allowed(ctx: AuthContext): boolean {
    if (ctx.method !== 'publickey') return false;
    const allowed = parsed(this.clientKey.public);
    const sameKey = ctx.key.algo === allowed.type && ctx.key.data.length === allowed.getPublicSSH().length
      && timingSafeEqual(ctx.key.data, allowed.getPublicSSH());
    // without a signature the client only asks whether the key would do
    return sameKey && (!ctx.signature || allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true);
  }
}

function parsed(key: string): ParsedKey {
  const result = utils.parseKey(key);
  if (result instanceof Error) throw result;
  return result;
}
