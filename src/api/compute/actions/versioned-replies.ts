import { Microversion, MIN_VERSION, MAX_VERSION, Versioned } from '../../microversion';
import type { Schema } from '../../validation';

/**
 * An action reply that changes with the microversion, expressed with ServerAction's `response`
 * (the 2.1 schema) and `replies` (one variant per later run of versions, named '<action>@2.N'
 * after the first version of the run). `variantAt(version)` names the variant a reply at that
 * version is checked against (the action's own name: `response`).
 */
export function versionedReplies(action: string, table: Versioned<Schema | null>) {
  const runs: { min: Microversion; schema: Schema | null }[] = [];
  for (let minor = MIN_VERSION.minor; minor <= MAX_VERSION.minor; minor++) {
    const v = new Microversion(MIN_VERSION.major, minor);
    const schema = table.pick(v);
    if (runs.length === 0 || runs[runs.length - 1].schema !== schema) runs.push({ min: v, schema });
  }
  const name = (min: Microversion) => `${action}@${min}`;
  return {
    response: runs[0].schema,
    replies: Object.fromEntries(runs.slice(1).map((r) => [name(r.min), r.schema])) as Readonly<Record<string, Schema | null>>,
    variantAt(version: Microversion): string {
      const run = [...runs].reverse().find((r) => version.compare(r.min) >= 0)!;
      return run === runs[0] ? action : name(run.min);
    },
  };
}
