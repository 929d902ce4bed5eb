import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

/** Inserts an active image row for API tests that do not exercise the image API itself. */
export async function insertImage(db: Knex, owner: string, fields: Record<string, unknown> = {}): Promise<string> {
  const id = randomUUID();
  const now = Date.now();
  await db('images').insert({
    id, name: `img-${id.slice(0, 8)}`, owner, status: 'active', visibility: 'public', container_format: 'docker',
    disk_format: 'raw', size: 1, min_disk: 0, min_ram: 0, created_at: now, updated_at: now, ...fields,
  });
  return id;
}
