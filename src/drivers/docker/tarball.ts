import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Re-streams a `docker save` archive with its image names removed (RepoTags in manifest.json,
 * the legacy `repositories` file). A tarball is user data: loaded as is, it could name itself
 * `novashim/image:<someone else's image>` or `nginx:latest` and silently re-point that tag on the
 * engine. Without names the engine reports "Loaded image ID: sha256:…" and only we tag it.
 * Layers stream through untouched; gzip input (`docker save | gzip`) is inflated on the way.
 */
export async function withoutImageNames(source: NodeJS.ReadableStream): Promise<Readable> {
  const archive = await uncompressed(source);
  // tar-stream 3 streams are streamx streams: pipe them, Node's pipeline() does not know them
  const extract = tar.extract();
  archive.on('error', (err) => extract.destroy(err));
  archive.pipe(extract);
  const pack = tar.pack();
  // if the engine stops reading (a failed load), stop reading the image data too
  pack.on('close', () => archive.destroy());
  copyArchive(extract, pack).then(
    () => pack.finalize(),
    (err: Error) => pack.destroy(new Error(`not a docker save archive: ${err.message}`)),
  );
  return Readable.from(pack);
}

async function copyArchive(extract: tar.Extract, pack: tar.Pack): Promise<void> {
  for await (const entry of extract) await copyEntry(pack, entry);
}

/** one entry of an archive being extracted */
type TarEntry = tar.ExtractEvents['entry'][1];

function copyEntry(pack: tar.Pack, entry: TarEntry): Promise<void> {
  const { header } = entry;
  if (header.name === 'manifest.json') return readAll(entry).then((manifest) => addEntry(pack, header, stripRepoTags(manifest)));
  if (header.name === 'repositories') return readAll(entry).then(() => addEntry(pack, header, Buffer.from('{}')));
  return new Promise((resolve, reject) => {
    entry.pipe(pack.entry(header, (err) => (err ? reject(err) : resolve())));
  });
}

function addEntry(pack: tar.Pack, header: tar.Header, content: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ ...header, size: content.length }, content, (err) => (err ? reject(err) : resolve()));
  });
}

/** manifest.json is a list of {Config, RepoTags, Layers}; the engine accepts RepoTags null */
export function stripRepoTags(manifest: Buffer): Buffer {
  const entries: unknown = JSON.parse(manifest.toString('utf8'));
  if (!Array.isArray(entries)) throw new Error('manifest.json is not a list');
  const stripped = entries.map((entry: Record<string, unknown>) => ({ ...entry, RepoTags: null }));
  return Buffer.from(JSON.stringify(stripped));
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** peeks at the first chunk to decide whether to gunzip, then replays it */
async function uncompressed(source: NodeJS.ReadableStream): Promise<Readable> {
  const chunks = source[Symbol.asyncIterator]();
  const first = await chunks.next();
  const head: Buffer = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  const replayed = Readable.from(replay(head, chunks));
  if (!isGzip(head)) return replayed;
  return pipeline(replayed, createGunzip(), () => undefined);
}

async function* replay(head: Buffer, rest: AsyncIterator<string | Buffer>): AsyncGenerator<Buffer> {
  try {
    if (head.length) yield head;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield Buffer.from(next.value);
  } finally {
    await rest.return?.(); // closes the source (its file) when we stop early
  }
}

function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}
