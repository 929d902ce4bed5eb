import { createHash, randomBytes } from 'node:crypto';

/**
 * SHA-512 crypt ("$6$", Ulrich Drepper's SHA-crypt spec): the password hash every libc in common
 * use verifies (glibc/libxcrypt, musl, busybox's own pw_encrypt), so one hash written into a
 * guest's /etc/shadow works for Debian- and busybox-based images alike. Node has no crypt(3).
 */

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DEFAULT_ROUNDS = 5000;
const MAX_SALT = 16;

/** the byte order of the final encoding: triples of the 64-byte digest, then byte 63 alone */
const ORDER: readonly [number, number, number][] = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
  [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
  [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
];

/** `$6$<salt>$<hash>`; a random 16-character salt unless one is given (tests) */
export function sha512Crypt(password: string, salt = randomSalt()): string {
  const p = Buffer.from(password, 'utf8');
  const s = Buffer.from(salt.slice(0, MAX_SALT), 'utf8');
  const sha = () => createHash('sha512');

  const b = sha().update(p).update(s).update(p).digest();
  const ctxA = sha().update(p).update(s);
  ctxA.update(repeatTo(b, p.length));
  for (let n = p.length; n > 0; n >>= 1) ctxA.update(n & 1 ? b : p);
  const a = ctxA.digest();

  const dp = sha();
  for (let i = 0; i < p.length; i++) dp.update(p);
  const pSeq = repeatTo(dp.digest(), p.length);
  const ds = sha();
  for (let i = 0; i < 16 + a[0]; i++) ds.update(s);
  const sSeq = repeatTo(ds.digest(), s.length);

  let c = a;
  for (let i = 0; i < DEFAULT_ROUNDS; i++) {
    const ctx = sha();
    ctx.update(i & 1 ? pSeq : c);
    if (i % 3) ctx.update(sSeq);
    if (i % 7) ctx.update(pSeq);
    ctx.update(i & 1 ? c : pSeq);
    c = ctx.digest();
  }

  let out = '';
  for (const [x, y, z] of ORDER) out += b64((c[x] << 16) | (c[y] << 8) | c[z], 4);
  out += b64(c[63], 2);
  return `$6$${s.toString('utf8')}$${out}`;
}

function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += block.length) block.copy(out, i, 0, Math.min(block.length, length - i));
  return out;
}

function b64(value: number, chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++, value >>= 6) out += ITOA64[value & 0x3f];
  return out;
}

function randomSalt(): string {
  return [...randomBytes(MAX_SALT)].map((byte) => ITOA64[byte & 0x3f]).join('');
}
