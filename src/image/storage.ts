import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { ImageData } from '../db/stores/images';
import { BadRequest, PayloadTooLarge } from '../errors';

/** Received data, complete and hashed, still in its temporary file. */
export interface StagedData extends ImageData {
  readonly size: number;
  readonly tempPath: string;
}

const TEMP_PREFIX = '.upload-';
const HASH_ALGO = 'sha512';

/**
 * Image files, one per image, named by id under one directory. Data arrives in a temporary file in
 * the same directory and is renamed into place only when complete, so a reader never sees a part.
 */
export class ImageStorage {
  constructor(readonly dir: string) {}

  pathOf(id: string): string {
    return path.join(this.dir, id);
  }

  /** Streams `source` to a temporary file, counting and hashing; 413 past maxBytes. Cleans up on any failure. */
  async receive(source: NodeJS.ReadableStream, maxBytes: number): Promise<StagedData> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    const tempPath = path.join(this.dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    const meter = new MeteringStream(maxBytes);
    try {
      await copyWithoutDestroying(source, meter, fs.createWriteStream(tempPath, { flags: 'wx', flush: true }));
    } catch (err) {
      await removeQuietly(tempPath);
      throw isClientGone(err) ? new BadRequest('The image upload was interrupted before all data arrived.') : err;
    }
    return { tempPath, ...meter.result() };
  }

  /**
   * Stages a copy of a local file (start-up fixtures): the kernel copies it (a reflink where the
   * file system can), then the copy is hashed through one small reused buffer. Same result as
   * receive() of the file's contents, without a stream's buffer per chunk: ~20 MB of fixtures
   * no longer leave that much garbage in the malloc heap of an idle process. 413 past maxBytes.
   */
  async receiveFile(file: string, maxBytes: number): Promise<StagedData> {
    if ((await fs.promises.stat(file)).size > maxBytes) throw imageTooLarge(maxBytes);
    await fs.promises.mkdir(this.dir, { recursive: true });
    const tempPath = path.join(this.dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    try {
      await fs.promises.copyFile(file, tempPath, fs.constants.COPYFILE_EXCL | fs.constants.COPYFILE_FICLONE);
      const data = await hashFile(tempPath);
      if (data.size > maxBytes) throw imageTooLarge(maxBytes); // it grew meanwhile
      return { tempPath, ...data };
    } catch (err) {
      await removeQuietly(tempPath);
      throw err;
    }
  }

  /** Moves staged data into place as the file of image `id` (atomic within one directory). */
  async commit(staged: StagedData, id: string): Promise<void> {
    await fs.promises.rename(staged.tempPath, this.pathOf(id));
  }

  async discard(staged: StagedData): Promise<void> {
    await removeQuietly(staged.tempPath);
  }

  async remove(id: string): Promise<void> {
    await removeQuietly(this.pathOf(id));
  }

  /** Opens the file of an image; null when there is none. The open handle survives a concurrent delete. */
  async open(id: string): Promise<Readable | null> {
    try {
      const handle = await fs.promises.open(this.pathOf(id), 'r');
      return handle.createReadStream();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** Removes temporary files and files of images that no longer exist (left by a crash). */
  async sweep(isKnown: (id: string) => boolean): Promise<string[]> {
    const names = await fs.promises.readdir(this.dir).catch(() => [] as string[]);
    const stale = names.filter((n) => n.startsWith(TEMP_PREFIX) || !isKnown(n));
    await Promise.all(stale.map((n) => removeQuietly(path.join(this.dir, n))));
    return stale;
  }
}

/**
 * Copies source → meter → file. Unlike pipeline(), a failure downstream (413) leaves the source
 * alive: it is an HTTP request, and destroying it would drop the connection before the response.
 */
async function copyWithoutDestroying(source: NodeJS.ReadableStream, meter: MeteringStream, file: fs.WriteStream): Promise<void> {
  const written = pipeline(meter, file);
  const read = finished(source).catch((err) => {
    meter.destroy(err); // a client that went away half-way must fail the copy, not end it early
    throw err;
  });
  source.pipe(meter);
  try {
    await Promise.all([written, read]);
  } finally {
    source.unpipe(meter);
  }
}

/** Passes data through while counting it and computing Glance's md5 checksum and os_hash_value. */
class MeteringStream extends Transform {
  private size = 0;
  private readonly md5 = createHash('md5');
  private readonly multihash = createHash(HASH_ALGO);

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      done(imageTooLarge(this.maxBytes));
      return;
    }
    this.md5.update(chunk);
    this.multihash.update(chunk);
    done(null, chunk);
  }

  result(): ImageData & { size: number } {
    return { size: this.size, checksum: this.md5.digest('hex'), osHashAlgo: HASH_ALGO, osHashValue: this.multihash.digest('hex') };
  }
}

const HASH_BUFFER_BYTES = 64 * 1024;

/** Size, md5 checksum and os_hash_value of a file, read through one reused buffer. */
export async function hashFile(file: string): Promise<ImageData & { size: number }> {
  const md5 = createHash('md5');
  const multihash = createHash(HASH_ALGO);
  const buffer = Buffer.allocUnsafeSlow(HASH_BUFFER_BYTES);
  const handle = await fs.promises.open(file, 'r');
  let size = 0;
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      md5.update(chunk);
      multihash.update(chunk);
      size += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return { size, checksum: md5.digest('hex'), osHashAlgo: HASH_ALGO, osHashValue: multihash.digest('hex') };
}

export const imageTooLarge = (max: number) => new PayloadTooLarge(`The incoming image is too large: image exceeds the size cap of ${max} bytes.`);

function isClientGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET';
}

async function removeQuietly(file: string): Promise<void> {
  await fs.promises.rm(file, { force: true });
}
