import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { makeTestApp, TestApp } from '../helpers/app';
import { fixturesDir, registerFixtureImages } from '../../src/image/fixtures';
import { hashFile } from '../../src/image/storage';
import { silentLogger } from '../../src/log';

const api = '/image/v2';
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

/**
 * Fixture images are copied by the kernel and hashed from the copy through one small buffer (not
 * streamed like an upload): size, checksum and os_hash_value must still be those of the file.
 */
describe('fixture images (copied and hashed at start)', () => {
  let t: TestApp;
  let dir: string;
  // spans several 64 KiB hash buffers and ends in a partial one
  const multiChunk = randomBytes(3 * 64 * 1024 + 123);
  const realTarball = path.join(fixturesDir(), 'busybox.tar');

  before(async () => {
    t = await makeTestApp({ config: { maxImageBytes: 64 * 1024 * 1024 } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'novashim-fixture-hash-'));
    fs.writeFileSync(path.join(dir, 'multi-chunk.tar'), multiChunk);
    fs.writeFileSync(path.join(dir, 'empty.tar'), Buffer.alloc(0));
    if (fs.existsSync(realTarball)) fs.copyFileSync(realTarball, path.join(dir, 'busybox.tar'));
  });
  after(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const get = (p: string) => t.request.get(`${api}${p}`).set('x-auth-token', t.tokens.demo);

  it('lists each fixture with the size, md5 checksum and sha512 os_hash_value of its file, and serves the same bytes', async () => {
    const registered = await registerFixtureImages(t.services.images, t.projects.admin, silentLogger(), dir);
    const names = fs.readdirSync(dir).filter((f) => f.endsWith('.tar')).sort();
    expect(registered.map((i) => `${i.name}.tar`)).to.deep.equal(names);
    expect(names).to.include('multi-chunk.tar');
    for (const image of registered) {
      const data = fs.readFileSync(path.join(dir, `${image.name}.tar`));
      const shown = await get(`/images/${image.id}`);
      expect(shown.status).to.equal(200);
      expect(shown.body, image.name!).to.include({
        status: 'active', size: data.length, checksum: md5(data), os_hash_algo: 'sha512', os_hash_value: sha512(data),
      });
      const file = await get(`/images/${image.id}/file`).buffer(true).parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => done(null, Buffer.concat(chunks)));
      });
      expect(file.status).to.equal(200);
      expect(Buffer.compare(file.body as Buffer, data), `${image.name} data`).to.equal(0);
    }
    // no temporary copy is left behind
    expect(fs.readdirSync(t.services.images.dir).filter((f) => f.startsWith('.'))).to.deep.equal([]);
  });

  it('hashes a file through its small buffer exactly as a one-shot hash of its bytes', async () => {
    const file = path.join(dir, 'multi-chunk.tar');
    expect(await hashFile(file)).to.deep.equal({ size: multiChunk.length, checksum: md5(multiChunk), osHashAlgo: 'sha512', osHashValue: sha512(multiChunk) });
  });

  it('refuses a fixture larger than the image size cap and leaves the image queued with no file', async () => {
    const small = await makeTestApp({ config: { maxImageBytes: 1000 } });
    try {
      const only = fs.mkdtempSync(path.join(os.tmpdir(), 'novashim-fixture-cap-'));
      fs.writeFileSync(path.join(only, 'big.tar'), randomBytes(1001));
      try {
        let refused: unknown;
        await registerFixtureImages(small.services.images, small.projects.admin, silentLogger(), only).catch((err) => { refused = err; });
        expect((refused as { status?: number })?.status).to.equal(413);
      } finally {
        fs.rmSync(only, { recursive: true, force: true });
      }
      const [image] = await small.db('images').where({ name: 'big' });
      expect(image.status).to.equal('queued');
      expect(fs.existsSync(small.services.images.dir) ? fs.readdirSync(small.services.images.dir) : []).to.deep.equal([]);
    } finally {
      await small.close();
    }
  });
});
