import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../config';
import type { AuthContext } from '../identity/auth-context';
import type { ConsoleStream } from '../drivers/driver';
import type { DriverRegistry } from '../drivers/registry';
import type { InstanceRecord, InstanceStore } from '../db/stores/instances';
import type { ConsoleTokenStore } from '../db/stores/console-tokens';
import type { ComputeService } from './service';
import {
  BadRequest, InstanceInvalidState, InstanceNotFound, InstanceNotFoundInDriver, InstanceNotReady, NotSupported, Unauthorized,
} from '../errors';
import { rethrowAs } from './rethrow';
import { toDriverInstance } from './manager';
import { TaskState, VmState } from './states';

/** Where the console websocket is served, on the API's own port (see src/console/serial-proxy.ts). */
export const SERIAL_CONSOLE_PATH = '/compute/serial-console';

/** 2.1 has one action per protocol; 2.6's POST /servers/{id}/remote-consoles names the protocol. */
export type ConsoleProtocol = 'serial' | 'vnc' | 'spice' | 'rdp' | 'mks';

export interface RemoteConsole {
  readonly protocol: ConsoleProtocol;
  readonly type: string;
  readonly url: string;
}

export interface ConsoleConnection {
  readonly instanceUuid: string;
  readonly stream: ConsoleStream;
}

interface Deps {
  readonly config: Config;
  readonly compute: ComputeService;
  readonly instances: InstanceStore;
  readonly drivers: DriverRegistry;
  readonly tokens: ConsoleTokenStore;
  /** injectable for expiry tests */
  readonly clock?: () => Date;
}

/** 32 random bytes: the token is a bearer credential for the console, so it must not be guessable */
const TOKEN_BYTES = 32;

/**
 * Remote consoles (Nova's get_serial_console plus its console auth tokens): hands out a console
 * URL holding a one-time, short-lived token bound to one instance, and turns a presented token
 * into a live console stream. Only the SHA-256 of a token is stored, and nothing here logs one.
 */
export class RemoteConsoleService {
  private readonly now: () => Date;

  constructor(private readonly d: Deps) {
    this.now = d.clock ?? (() => new Date());
  }

  /**
   * A console URL for the server, checked as Nova does: 404 for a server the caller cannot see,
   * 409 while it has no container or is being deleted or is not ACTIVE, 400 when the console type
   * is switched off (ConsoleTypeUnavailable), 501 when the driver has no such console.
   */
  async create(auth: AuthContext, uuid: string, protocol: ConsoleProtocol, type: string): Promise<RemoteConsole> {
    const instance = await this.d.compute.get(auth, uuid);
    requireReady(instance, `get_${protocol}_console`);
    if (protocol !== 'serial') throw new NotSupported();
    if (this.d.config.serialConsole !== 'enabled') throw new BadRequest(`Unavailable console type ${type}.`);
    // Nova's compute manager: a type that is not the protocol's (2.6's remote-consoles names both) is ConsoleTypeInvalid
    if (type !== 'serial') throw new BadRequest(`Invalid console type ${type}`);
    const driver = this.d.drivers.forHost(instance.host!);
    if (!driver.capabilities.serialConsole || !driver.attachConsole) throw new NotSupported();

    const now = this.now();
    await this.d.tokens.purgeExpired(now);
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    await this.d.tokens.insert({
      tokenHash: hashToken(token), consoleType: type, instanceUuid: instance.uuid,
      expiresAt: new Date(now.getTime() + this.d.config.consoleTokenTtlSec * 1000), createdAt: now,
    });
    return { protocol, type, url: consoleUrl(this.d.config.publicUrl, token) };
  }

  /**
   * Takes a token (once: a second use, an unknown or an expired one is Unauthorized) and attaches
   * to its instance's console. The instance must still be ACTIVE with a running container: 404
   * when it is gone, 409 when it is not ready or not running.
   */
  async connect(token: string | null): Promise<ConsoleConnection> {
    const record = token ? await this.d.tokens.consume(hashToken(token), this.now()) : null;
    if (!record) throw new Unauthorized('The console token is invalid, expired or already used.');
    const uuid = record.instanceUuid;
    const instance = await this.d.instances.find(uuid);
    requireReady(instance, 'connect to the console of');
    const driver = this.d.drivers.forHost(instance.host!);
    if (!driver.capabilities.serialConsole || !driver.attachConsole) throw new NotSupported();
    const stream = await driver.attachConsole(toDriverInstance(instance))
      .catch(rethrowAs(InstanceNotFound, InstanceNotFoundInDriver, () => new InstanceNotFound(uuid).message));
    return { instanceUuid: uuid, stream };
  }
}

/** Nova's check_instance_host, reject_instance_state(DELETING) and a running (ACTIVE) server. */
function requireReady(instance: InstanceRecord, method: string): void {
  if (!instance.host || instance.driverState === null) throw new InstanceNotReady(instance.uuid);
  if (instance.taskState === TaskState.DELETING) {
    throw new InstanceInvalidState(instance.uuid, 'task_state', instance.taskState, method);
  }
  if (instance.vmState !== VmState.ACTIVE) throw new InstanceNotReady(instance.uuid);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** ws:// (wss:// behind https) on the public URL's host, on the API's own port. */
export function consoleUrl(publicUrl: string, token: string): string {
  const base = new URL(publicUrl);
  base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}${SERIAL_CONSOLE_PATH}`, base);
  url.searchParams.set('token', token);
  return url.toString();
}
