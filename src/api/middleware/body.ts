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
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest('Malformed request body');
  }
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
