import type { KeypairRecord } from '../../../db/stores/keypairs';

/** `type` is shown from 2.2 on (Nova's key_type). */
const typeOf = (k: KeypairRecord, withType: boolean) => (withType ? { type: k.type } : {});

export const keypairSummary = (k: KeypairRecord, withType = false) => ({
  name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint, ...typeOf(k, withType),
});

export const keypairCreated = (k: KeypairRecord, privateKey?: string, withType = false) => ({
  ...keypairSummary(k, withType), user_id: k.userId, ...(privateKey ? { private_key: privateKey } : {}),
});

/** The 2.1 show body, with the database-ish fields tempest's schema requires. */
export const keypairDetail = (k: KeypairRecord, withType = false) => ({
  ...keypairSummary(k, withType), user_id: k.userId, id: k.id, deleted: false,
  created_at: k.createdAt.toISOString().replace(/\.(\d{3})Z$/, '.$1000'), updated_at: null, deleted_at: null,
});
