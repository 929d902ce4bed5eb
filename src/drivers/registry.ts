import type { ComputeDriver } from './driver';

/** Compute host name → its driver (Nova looks the driver up per host; we do the same from day one). */
export class DriverRegistry {
  constructor(private readonly byHost: Readonly<Record<string, ComputeDriver>>) {}

  forHost(host: string): ComputeDriver {
    const driver = this.byHost[host];
    if (!driver) throw new Error(`no compute driver for host ${host}`);
    return driver;
  }

  hosts(): string[] {
    return Object.keys(this.byHost);
  }

  async closeAll(): Promise<void> {
    await Promise.all(Object.values(this.byHost).map((d) => d.close()));
  }
}
