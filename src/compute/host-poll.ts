import type { Logger } from '../log';
import type { DriverRegistry } from '../drivers/registry';
import type { DriverHealth, HostInfo } from '../drivers/driver';

/** What the last poll of one compute host saw: its engine's health and resources. */
export interface HostSnapshot {
  readonly health: DriverHealth;
  /** the driver's hostInfo(), or null when it has none or the engine did not answer */
  readonly info: HostInfo | null;
  readonly polledAt: Date;
}

/**
 * Polls every compute host's driver (health() and hostInfo(): `docker info`, a ping) every
 * `intervalSec` seconds in the background, as nova-compute reports its state and resources
 * periodically (report_interval, update_available_resource), so os-services, os-hypervisors and
 * the servers' host_status read the last report instead of asking the engine on each request.
 * A host is polled on first use when it has no report yet; a report older than the interval
 * (no timer running) is refreshed in the background while the old one is answered. Interval 0:
 * no cache, every read polls (the engine is asked per request).
 */
export class HostPoll {
  private readonly snapshots = new Map<string, HostSnapshot>();
  private readonly inFlight = new Map<string, Promise<HostSnapshot>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly drivers: DriverRegistry, private readonly intervalSec: number, private readonly log?: Logger) {}

  /** the last report of a host (polling it first when there is none) */
  async snapshot(host: string): Promise<HostSnapshot> {
    const last = this.snapshots.get(host);
    if (!last || this.intervalSec <= 0) return this.poll(host);
    if (Date.now() - last.polledAt.getTime() > this.intervalSec * 1000) void this.poll(host).catch(() => undefined);
    return last;
  }

  /** polls every host now (one poll per host at a time); resolves once all have reported */
  async refresh(): Promise<void> {
    await Promise.all(this.drivers.hosts().map((host) => this.poll(host)));
  }

  /** polls now and then every interval, in the background (a no-op with interval 0) */
  start(): void {
    if (this.intervalSec <= 0 || this.timer) return;
    const tick = () => { void this.refresh().catch((err) => this.log?.warn({ err }, 'host poll failed')); };
    tick();
    this.timer = setInterval(tick, this.intervalSec * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private poll(host: string): Promise<HostSnapshot> {
    const pending = this.inFlight.get(host);
    if (pending) return pending;
    const started = this.pollNow(host).finally(() => this.inFlight.delete(host));
    this.inFlight.set(host, started);
    return started;
  }

  private async pollNow(host: string): Promise<HostSnapshot> {
    const driver = this.drivers.forHost(host);
    const [health, info] = await Promise.all([
      driver.health().catch((err: unknown): DriverHealth => ({ state: 'unhealthy', detail: err instanceof Error ? err.message : String(err) })),
      driver.capabilities.hostInfo && driver.hostInfo ? driver.hostInfo().catch(() => null) : Promise.resolve(null),
    ]);
    const snapshot = { health, info, polledAt: new Date() };
    const before = this.snapshots.get(host);
    if (before && before.health.state !== health.state) this.log?.warn({ host, state: health.state, detail: health.detail }, 'compute host changed state');
    this.snapshots.set(host, snapshot);
    return snapshot;
  }
}
