import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** the src/ directory of the build this test runs from (<outDir>/test/unit → <outDir>/src) */
const SRC = path.resolve(__dirname, '../../src');

/** runs a script in a fresh node (its own require cache) and returns what it printed as JSON */
function runNode(script: string, env: Record<string, string> = {}): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      try { resolve(JSON.parse(stdout.trim().split('\n').pop()!)); } catch { reject(new Error(`no JSON from the child: ${stdout}\n${stderr}`)); }
    });
  });
}

/** a child-side expression: the npm packages in the require cache */
const LOADED_PACKAGES = `[...new Set(Object.keys(require.cache).filter((f) => f.includes('/node_modules/'))
  .map((f) => { const p = f.slice(f.lastIndexOf('/node_modules/') + 14).split('/'); return p[0].startsWith('@') ? p[0] + '/' + p[1] : p[0]; }))].sort()`;

const ENGINE_CLIENT = ['dockerode', 'docker-modem', 'ssh2', '@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs'];

/** What keeps an idle novashim small (issue 6: idle RSS ≤ 100 MB): modules it does not load, young generation it does not grow. */
describe('idle memory', function () {
  this.timeout(60_000);

  it('a novashim with the fake driver starts without loading the engine client (dockerode, ssh2, gRPC)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'novashim-idle-'));
    try {
      const loaded: string[] = await runNode(`
        const { start } = require(${JSON.stringify(path.join(SRC, 'main.js'))});
        const { loadConfig } = require(${JSON.stringify(path.join(SRC, 'config.js'))});
        const { silentLogger } = require(${JSON.stringify(path.join(SRC, 'log.js'))});
        start(loadConfig(), silentLogger()).then(async (running) => {
          const loaded = ${LOADED_PACKAGES};
          await running.stop();
          console.log(JSON.stringify(loaded));
        });`, {
        NOVASHIM_DRIVER: 'fake', NOVASHIM_DATA_DIR: dataDir, NOVASHIM_FIXTURES_DIR: path.join(dataDir, 'no-fixtures'),
        NOVASHIM_HOST: '127.0.0.1', NOVASHIM_PORT: '0', NOVASHIM_LOG_LEVEL: 'silent',
      });
      expect(loaded).to.include.members(['knex', 'koa']); // it did start
      for (const pkg of ENGINE_CLIENT) expect(loaded, pkg).to.not.include(pkg);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('the Docker transport loads dockerode without its BuildKit session (gRPC) and ssh2, and loads each on first use', async () => {
    const result = await runNode(`
      const { dockerFromHost } = require(${JSON.stringify(path.join(SRC, 'drivers/docker/transport.js'))});
      const docker = dockerFromHost('unix:///nonexistent/docker.sock');
      const afterConnect = ${LOADED_PACKAGES};
      // dockerode's BuildKit session: the stand-in runs the real withSession, which dials /session
      const withSession = require(require.resolve('dockerode/lib/session', { paths: [${JSON.stringify(SRC)}] }));
      let dialed = null;
      withSession({ modem: { dial: (opts, cb) => { dialed = opts.path; cb(new Error('no engine')); } } }, null, (err) => {
        const afterSession = ${LOADED_PACKAGES};
        // docker-modem's ssh agent: the stand-in builds the real one
        const sshAgent = require(require.resolve('docker-modem/lib/ssh', { paths: [require.resolve('dockerode', { paths: [${JSON.stringify(SRC)}] })] }));
        const agent = sshAgent({ host: 'example.invalid' });
        console.log(JSON.stringify({ dockerode: typeof docker.listContainers, afterConnect, dialed, sessionError: err && err.message, afterSession,
          agent: typeof agent.createConnection, afterSsh: ${LOADED_PACKAGES} }));
      });`);
    expect(result.dockerode).to.equal('function');
    expect(result.afterConnect).to.include.members(['dockerode', 'docker-modem']);
    for (const pkg of ['ssh2', '@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs']) expect(result.afterConnect, pkg).to.not.include(pkg);
    expect(result.dialed).to.equal('/session');
    expect(result.sessionError).to.equal('no engine');
    expect(result.afterSession).to.include.members(['@grpc/grpc-js', '@grpc/proto-loader']);
    expect(result.agent).to.equal('function');
    expect(result.afterSsh).to.include('ssh2');
  });

  it('holds young-generation growth while held and grows it again once released', async () => {
    const sizes = await runNode(`
      const v8 = require('v8');
      const memory = require(${JSON.stringify(path.join(SRC, 'startup-memory.js'))});
      const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
      // objects that survive scavenges: what makes V8 grow the young generation
      const keep = [];
      const churn = () => { for (let i = 0; i < 400000; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 60000) keep.splice(0, 30000); } };
      const before = newSpace();
      const held = memory.holdYoungGeneration();
      churn();
      const whileHeld = newSpace();
      memory.releaseYoungGeneration();
      churn();
      console.log(JSON.stringify({ held, before, whileHeld, released: newSpace(), stillHeld: memory.youngGenerationHeld() }));`);
    expect(sizes.held).to.equal(true);
    // unheld, this churn takes it from 1 to 32 MiB; held, it stays within V8's first step (2 MiB)
    expect(sizes.whileHeld).to.be.at.most(2 * sizes.before);
    expect(sizes.released).to.be.at.least(4 * sizes.whileHeld);
    expect(sizes.stillHeld).to.equal(false);
  });

  it('leaves young-generation growth alone when the operator tuned the semi-space', async () => {
    const result = await runNode(`
      const memory = require(${JSON.stringify(path.join(SRC, 'startup-memory.js'))});
      console.log(JSON.stringify({ held: memory.holdYoungGeneration() }));`, { NODE_OPTIONS: '--max-semi-space-size=8' });
    expect(result.held).to.equal(false);
  });
});
