import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import * as tar from 'tar-stream';
import { ImageNotBootable } from '../../src/errors';
import { PowerState } from '../../src/drivers/driver';
import { addressesOf } from '../../src/drivers/docker/addresses';
import { buildContainerSpec, clampHostname, instanceEnv } from '../../src/drivers/docker/container-spec';
import { loadedReference, requireDockerFormat } from '../../src/drivers/docker/images';
import { INSTANCE_LABEL, instanceUuidOf, isOurs } from '../../src/drivers/docker/labels';
import { powerStateOf } from '../../src/drivers/docker/states';
import { withoutImageNames } from '../../src/drivers/docker/tarball';
import { connectDocker } from '../../src/drivers/docker/transport';
import { makeInstance } from './conformance';

describe('docker driver, pure parts', function () {
  describe('powerStateOf', function () {
    const table: Array<[string, PowerState]> = [
      ['running', PowerState.RUNNING], ['paused', PowerState.PAUSED], ['restarting', PowerState.RUNNING],
      ['created', PowerState.SHUTDOWN], ['exited', PowerState.SHUTDOWN], ['dead', PowerState.CRASHED],
      ['removing', PowerState.NOSTATE], ['something new', PowerState.NOSTATE],
    ];
    for (const [status, power] of table) {
      it(`maps ${status} to ${power}`, () => expect(powerStateOf(status)).to.equal(power));
    }
  });

  describe('addressesOf', function () {
    it('reports "bridge" under the network label, others by name, IPv6 too, and skips empty endpoints', function () {
      const addresses = addressesOf({
        bridge: { IPAddress: '172.17.0.2', MacAddress: '02:42:ac:11:00:02', GlobalIPv6Address: 'fd00::2' },
        tenant: { IPAddress: '10.1.0.5', MacAddress: '' },
        stopped: { IPAddress: '', MacAddress: '' },
      }, 'private');
      expect(addresses).to.deep.equal([
        { network: 'private', addr: '172.17.0.2', version: 4, mac: '02:42:ac:11:00:02' },
        { network: 'private', addr: 'fd00::2', version: 6, mac: '02:42:ac:11:00:02' },
        { network: 'tenant', addr: '10.1.0.5', version: 4, mac: null },
      ]);
    });
  });

  describe('container spec', function () {
    const instance = makeInstance({ metadata: { ok_key: '1', PATH: '/evil', 'a=b': 'c', '9lives': 'x' } });

    it('gives metadata only as NOVA_METADATA and prefixed META_ variables', function () {
      expect(instanceEnv(instance)).to.deep.equal([
        `NOVA_INSTANCE_UUID=${instance.uuid}`,
        `NOVA_METADATA=${JSON.stringify(instance.metadata)}`,
        'META_ok_key=1',
        'META_PATH=/evil',
      ]);
    });

    it('clamps hostnames to 63 characters without a dangling separator', function () {
      expect(clampHostname('short')).to.equal('short');
      expect(clampHostname('a'.repeat(70))).to.equal('a'.repeat(63));
      expect(clampHostname(`${'a'.repeat(61)}.-bbb`)).to.equal('a'.repeat(61));
    });

    it('caps NanoCpus at the engine host CPUs and never mounts anything', function () {
      const spec = buildContainerSpec({
        instance, flavor: { memoryMb: 512, vcpus: 8 }, imageTag: 'novashim/image:x',
        pidsLimit: 100, stopTimeoutSec: 10, hostCpus: 2,
      });
      expect(spec.HostConfig?.NanoCpus).to.equal(2e9);
      expect(spec.HostConfig?.Memory).to.equal(512 * 1024 * 1024);
      expect(spec.HostConfig).to.not.have.any.keys('Binds', 'Mounts', 'VolumesFrom', 'Devices');
      expect(spec).to.not.have.any.keys('Volumes', 'Cmd', 'Entrypoint');
      expect(spec.Labels).to.include({ [INSTANCE_LABEL]: instance.uuid });
    });
  });

  describe('labels', function () {
    it('recognises our containers by the instance label', function () {
      expect(isOurs({ [INSTANCE_LABEL]: 'u1' })).to.equal(true);
      expect(isOurs({ other: 'x' })).to.equal(false);
      expect(isOurs(null)).to.equal(false);
      expect(instanceUuidOf({ [INSTANCE_LABEL]: 'u1' })).to.equal('u1');
    });
  });

  describe('images', function () {
    it('reads what the engine loaded, by id or by name', function () {
      expect(loadedReference([{ stream: 'Loaded image ID: sha256:abc\n' }])).to.equal('sha256:abc');
      expect(loadedReference([{ stream: 'Loaded image: novashim-fixture/busybox:latest\n' }])).to.equal('novashim-fixture/busybox:latest');
      expect(loadedReference([{ stream: 'something else' }])).to.equal(null);
    });

    it('boots container_format docker only, with a message saying what to upload', function () {
      expect(() => requireDockerFormat({ id: 'i1', containerFormat: 'docker', openData: () => Readable.from([]) })).to.not.throw();
      expect(() => requireDockerFormat({ id: 'i1', containerFormat: 'bare', openData: () => Readable.from([]) }))
        .to.throw(ImageNotBootable, /container_format bare cannot be booted by the docker driver; upload a `docker save` tarball/);
    });
  });

  describe('withoutImageNames', function () {
    const layer = Buffer.alloc(3000, 7);

    async function dockerSaveLike(): Promise<Buffer> {
      const pack = tar.pack();
      pack.entry({ name: 'abc/layer.tar' }, layer);
      pack.entry({ name: 'manifest.json' }, JSON.stringify([{ Config: 'c.json', RepoTags: ['novashim/image:victim'], Layers: ['abc/layer.tar'] }]));
      pack.entry({ name: 'repositories' }, JSON.stringify({ 'novashim/image': { victim: 'abc' } }));
      pack.finalize();
      return collect(pack);
    }

    async function entries(archive: Readable): Promise<Record<string, Buffer>> {
      const found: Record<string, Buffer> = {};
      const extract = tar.extract();
      archive.pipe(extract as unknown as NodeJS.WritableStream);
      for await (const entry of extract) found[entry.header.name] = await collect(entry);
      return found;
    }

    it('removes RepoTags and repositories names and passes layers through unchanged', async function () {
      const out = await entries(await withoutImageNames(Readable.from([await dockerSaveLike()])));
      expect(JSON.parse(out['manifest.json'].toString())).to.deep.equal([{ Config: 'c.json', RepoTags: null, Layers: ['abc/layer.tar'] }]);
      expect(out.repositories.toString()).to.equal('{}');
      expect(out['abc/layer.tar'].equals(layer)).to.equal(true);
    });

    it('inflates gzip input', async function () {
      const out = await entries(await withoutImageNames(Readable.from([gzipSync(await dockerSaveLike())])));
      expect(out['abc/layer.tar'].equals(layer)).to.equal(true);
    });

    it('fails on data that is not a tar archive', async function () {
      const archive = await withoutImageNames(Readable.from([Buffer.from('no tar here '.repeat(100))]));
      let failure: unknown = null;
      await collect(archive).catch((err: unknown) => { failure = err; });
      expect(String(failure)).to.match(/not a docker save archive/);
    });
  });

  describe('connectDocker', function () {
    it('understands unix sockets, bare paths and tcp', function () {
      expect(connectDocker('unix:///run/x.sock').endpoint).to.equal('unix:///run/x.sock');
      expect(connectDocker('/run/y.sock').endpoint).to.equal('unix:///run/y.sock');
      expect(connectDocker('tcp://127.0.0.1:2375', { env: {} }).endpoint).to.equal('http://127.0.0.1:2375');
    });

    it('ignores DOCKER_HOST and DOCKER_CERT_PATH in the environment (docker-modem would not)', function () {
      const saved = { host: process.env.DOCKER_HOST, certs: process.env.DOCKER_CERT_PATH };
      process.env.DOCKER_HOST = 'tcp://192.0.2.1:2376';
      process.env.DOCKER_CERT_PATH = '/nonexistent';
      try {
        const modem = connectDocker('unix:///run/x.sock').docker.modem as unknown as Record<string, unknown>;
        expect(modem).to.include({ socketPath: '/run/x.sock', host: undefined, protocol: 'http', key: undefined });
      } finally {
        restoreEnv('DOCKER_HOST', saved.host);
        restoreEnv('DOCKER_CERT_PATH', saved.certs);
      }
    });

    it('needs NOVASHIM_SSH_KEY for ssh and rejects unknown schemes', function () {
      expect(() => connectDocker('ssh://root@127.0.0.1', { env: {} })).to.throw(/NOVASHIM_SSH_KEY/);
      expect(() => connectDocker('npipe:////./pipe/docker_engine')).to.throw(/unsupported DOCKER_HOST/);
    });
  });
});

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
