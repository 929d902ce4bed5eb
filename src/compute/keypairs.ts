import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KeypairRecord, KeypairStore } from '../db/stores/keypairs';
import { BadRequest, KeypairExists } from '../errors';
import type { QuotaService } from './quotas';

const KEY_TYPES = ['ssh-rsa', 'ssh-ed25519', 'ssh-dss', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'];

/** Keypairs: import a public key, or generate an RSA pair and hand back the private half once. */
export class KeypairService {
  /** with quotas: the user's key_pairs quota, counted and inserted under the user's lock (403 past it) */
  constructor(private readonly store: KeypairStore, private readonly quotas?: QuotaService) {}

  /** type 'x509' (2.2): the public key is a PEM certificate (imported, or generated with its private key by openssl). */
  async create(userId: string, name: string, publicKey?: string, type: KeypairType = 'ssh', projectId: string | null = null): Promise<{ keypair: KeypairRecord; privateKey?: string }> {
    const generated = publicKey !== undefined ? undefined : type === 'x509' ? await generateX509(userId) : generateRsa();
    const key = type === 'x509' ? (publicKey ?? generated!.publicKey) : (publicKey ?? generated!.publicKey).trim();
    const fingerprint = type === 'x509' ? x509FingerprintOf(key) : fingerprintOf(key);
    const record = { userId, name, type, publicKey: key, fingerprint, createdAt: new Date() };
    if (!this.quotas) await this.store.insert(record);
    else {
      await this.quotas.admitKeypair(projectId, userId, async (trx) => {
        const store = new KeypairStore(trx); // under the user's lock: no insert can race this check
        if (await store.find(userId, name).then(() => true, () => false)) throw new KeypairExists(name);
        await store.insert(record);
      });
    }
    return { keypair: await this.store.find(userId, name), privateKey: generated?.privateKey };
  }
}

export type KeypairType = 'ssh' | 'x509';

/** Nova's generate_x509_fingerprint: SHA-1 of the certificate, lower-case colon-separated hex. */
export function x509FingerprintOf(pem: string): string {
  try {
    return new X509Certificate(pem).fingerprint.toLowerCase();
  } catch {
    throw new BadRequest('Keypair data is invalid: failed to generate X509 fingerprint');
  }
}

/**
 * Nova's generate_x509_cert: an RSA key and a self-signed certificate whose subject names the
 * user (Nova signs with its CA; novashim has none, so the certificate signs itself).
 */
async function generateX509(userId: string): Promise<{ publicKey: string; privateKey: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'novashim-x509-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    const subject = `/C=US/ST=California/O=OpenStack/OU=NovaDev/CN=${userId.replace(/[/=\\]/g, '_')}`;
    await new Promise<void>((resolve, reject) => {
      execFile('openssl', ['req', '-x509', '-nodes', '-newkey', 'rsa:2048', '-days', '3650', '-subj', subject,
        '-keyout', keyFile, '-out', certFile], (err) => (err ? reject(err) : resolve()));
    });
    return { publicKey: await readFile(certFile, 'utf8'), privateKey: await readFile(keyFile, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Nova's legacy fingerprint: MD5 of the key blob as colon-separated hex. */
export function fingerprintOf(publicKey: string): string {
  const [type, blob] = publicKey.split(/\s+/);
  const raw = blob ? Buffer.from(blob, 'base64') : Buffer.alloc(0);
  if (!KEY_TYPES.includes(type) || raw.length < 16 || readString(raw) !== type) {
    throw new BadRequest('Keypair data is invalid: failed to generate fingerprint');
  }
  return createHash('md5').update(raw).digest('hex').match(/../g)!.join(':');
}

function readString(buf: Buffer): string | null {
  if (buf.length < 4) return null;
  const len = buf.readUInt32BE(0);
  return len + 4 <= buf.length ? buf.subarray(4, 4 + len).toString('latin1') : null;
}

/** An RSA pair: OpenSSH public key line and a PEM (PKCS#1) private key that ssh accepts. */
function generateRsa(): { publicKey: string; privateKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), sshString(mpint(jwk.e)), sshString(mpint(jwk.n))]);
  return {
    publicKey: `ssh-rsa ${blob.toString('base64')} Generated-by-Nova`,
    privateKey: privateKey.export({ format: 'pem', type: 'pkcs1' }).toString(),
  };
}

function sshString(data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

/** SSH mpint: big-endian, with a leading zero byte when the top bit is set. */
function mpint(base64url: string): Buffer {
  const bytes = Buffer.from(base64url, 'base64url');
  return bytes[0] & 0x80 ? Buffer.concat([Buffer.alloc(1), bytes]) : bytes;
}
