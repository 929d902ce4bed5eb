import type Koa from 'koa';
import { BadRequest, PayloadTooLarge, UnsupportedMediaType } from '../../errors';

/** Reads and parses a JSON request body of at most `max` bytes (chunked bodies too). */
export async function readJsonBody(ctx: Koa.Context, max: number): Promise<unknown> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > max) throw new PayloadTooLarge('Request is too large.');
  const text = await readText(ctx.req, max);
  if (text.trim() === '') return undefined;
  const type = ctx.get('content-type');
  if (type && !/json/i.test(type)) throw new UnsupportedMediaType(`Unsupported Content-Type ${type}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BadRequest('Malformed request body');
  }
  // JSON.parse nests without limit, but JSON.stringify, ajv and every recursive walk overflow the
  // stack on a few thousand levels (a 500): no API body comes near this depth
  if (depthExceeds(body, MAX_BODY_DEPTH)) throw new BadRequest('Malformed request body');
  return body;
}

const MAX_BODY_DEPTH = 64;

/** true when `value` nests arrays/objects more than `max` levels deep (iterative: deep input cannot overflow it) */
export function depthExceeds(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

function readText(stream: NodeJS.ReadableStream, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        stream.removeAllListeners('data');
        stream.resume();
        reject(new PayloadTooLarge('Request is too large.'));
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}
