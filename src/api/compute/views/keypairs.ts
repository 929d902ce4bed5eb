import type { KeypairRecord } from '../../../db/stores/keypairs';

export const keypairSummary = (k: KeypairRecord) => ({ name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint });

export const keypairCreated = (k: KeypairRecord, privateKey?: string) => ({
  ...keypairSummary(k), user_id: k.userId, ...(privateKey ? { private_key: privateKey } : {}),
});

/** The 2.1 show body, with the database-ish fields tempest's schema requires. */
export const keypairDetail = (k: KeypairRecord) => ({
  ...keypairSummary(k), user_id: k.userId, id: k.id, deleted: false,
  created_at: k.createdAt.toISOString().replace(/\.(\d{3})Z$/, '.$1000'), updated_at: null, deleted_at: null,
});
