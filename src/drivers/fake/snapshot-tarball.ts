import { createHash } from 'node:crypto';
import * as tar from 'tar-stream';

/**
 * A small but real `docker save` archive (manifest.json, image config, one layer holding the given
 * files), so a fake snapshot goes through the same image paths as a real one and a real engine
 * could load it.
 */
export async function dockerSaveTarball(files: Readonly<Record<string, string>>, cmd: readonly string[] = ['/bin/sh']): Promise<Buffer> {
  const layer = await packed(Object.entries(files).map(([name, content]) => ({ name, content: Buffer.from(content) })));
  const diffId = sha256(layer);
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', created: new Date().toISOString(),
    config: { Cmd: [...cmd], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
    rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
    history: [{ created: new Date().toISOString(), created_by: 'novashim fake snapshot' }],
  }));
  const configName = `${sha256(config)}.json`;
  const layerName = `${diffId}/layer.tar`;
  const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: null, Layers: [layerName] }]));
  return packed([
    { name: `${diffId}/`, type: 'directory' },
    { name: layerName, content: layer },
    { name: configName, content: config },
    { name: 'manifest.json', content: manifest },
  ]);
}

interface Entry {
  readonly name: string;
  readonly content?: Buffer;
  readonly type?: 'file' | 'directory';
}

async function packed(entries: readonly Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  })();
  const mtime = new Date(0);
  for (const entry of entries) {
    if (entry.type === 'directory') pack.entry({ name: entry.name, type: 'directory', mode: 0o755, mtime });
    else pack.entry({ name: entry.name, mode: 0o644, mtime }, entry.content ?? Buffer.alloc(0));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
