import type { Knex } from 'knex';

/** The persisted, admin-set state of one service (Nova's services table, the fields os-services changes). */
export interface ComputeServiceRecord {
  readonly host: string;
  readonly binary: string;
  /** 2.53's id */
  readonly uuid: string;
  readonly disabled: boolean;
  readonly disabledReason: string | null;
  /** 2.11 */
  readonly forcedDown: boolean;
  readonly updatedAt: Date;
}

export type ServicePatch = Partial<Pick<ComputeServiceRecord, 'disabled' | 'disabledReason' | 'forcedDown'>>;

export class ComputeServiceStore {
  constructor(private readonly db: Knex) {}

  async all(): Promise<ComputeServiceRecord[]> {
    return (await this.db('compute_services').select()).map(toRecord);
  }

  /** inserts the row when missing (a new uuid), leaving an existing one as it is */
  async ensure(host: string, binary: string, uuid: string, at: Date): Promise<void> {
    await this.db('compute_services')
      .insert({ host, binary, uuid, disabled: false, disabled_reason: null, forced_down: false, updated_at: at.getTime() })
      .onConflict(['host', 'binary']).ignore();
  }

  async update(host: string, binary: string, patch: ServicePatch, at: Date): Promise<void> {
    await this.db('compute_services').where({ host, binary }).update({
      ...(patch.disabled !== undefined && { disabled: patch.disabled }),
      ...(patch.disabledReason !== undefined && { disabled_reason: patch.disabledReason }),
      ...(patch.forcedDown !== undefined && { forced_down: patch.forcedDown }),
      updated_at: at.getTime(),
    });
  }

  async delete(host: string, binary: string): Promise<void> {
    await this.db('compute_services').where({ host, binary }).delete();
  }
}

function toRecord(r: Record<string, any>): ComputeServiceRecord { // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    host: r.host, binary: r.binary, uuid: r.uuid, disabled: !!r.disabled, disabledReason: r.disabled_reason ?? null,
    forcedDown: !!r.forced_down, updatedAt: new Date(Number(r.updated_at)),
  };
}
