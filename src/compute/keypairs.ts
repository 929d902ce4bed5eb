import { createHash, generateKeyPairSync } from 'node:crypto';
import type { KeypairRecord, KeypairStore } from '../db/stores/keypairs';
import { BadRequest } from '../errors';

const KEY_TYPES = ['ssh-rsa', 'ssh-ed25519', 'ssh-dss', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'];

/** Keypairs: import a public key, or generate an RSA pair and hand back the private half once. */
export class KeypairService {
  constructor(private readonly store: KeypairStore) {}

  async create(userId: string, name: string, publicKey?: string): Promise<{ keypair: KeypairRecord; privateKey?: string }> {
    const generated = publicKey === undefined ? generateRsa() : undefined;
    const key = (publicKey ?? generated!.publicKey).trim();
    const fingerprint = fingerprintOf(key);
    await this.store.insert({ userId, name, type: 'ssh', publicKey: key, fingerprint, createdAt: new Date() });
    return { keypair: await this.store.find(userId, name), privateKey: generated?.privateKey };
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
