import type { Logger } from '../log';

/**
 * Runs background work (spawn, power actions) off the request path. Injected, so tests can
 * `await tasks.idle()` instead of sleeping. Work for one instance runs in order, never interleaved.
 */
export class TaskRunner {
  private readonly running = new Set<Promise<void>>();
  private readonly perKey = new Map<string, Promise<void>>();

  constructor(private readonly log: Logger) {}

  /** Queues `work` behind earlier work for the same key; errors are logged, never thrown. */
  run(key: string, name: string, work: () => Promise<void>): void {
    const previous = this.perKey.get(key) ?? Promise.resolve();
    const task = previous.then(work).catch((err) => this.log.error({ err, key, task: name }, 'background task failed'));
    this.perKey.set(key, task);
    this.running.add(task);
    void task.finally(() => {
      this.running.delete(task);
      if (this.perKey.get(key) === task) this.perKey.delete(key);
    });
  }

  /** Resolves once every queued task (including ones queued meanwhile) has finished. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  get size(): number {
    return this.running.size;
  }
}
