import Module from 'node:module';
import path from 'node:path';
import type Dockerode from 'dockerode';

let dockerode: typeof Dockerode | undefined;

/**
 * The Dockerode class, loaded on first use and without two parts novashim never calls until they
 * are called, which dockerode 5 and docker-modem require at import:
 *  - dockerode/lib/session.js: @grpc/grpc-js, @grpc/proto-loader and protobufjs (~110 modules,
 *    ~5 MB resident), used only by buildImage() with BuildKit (`version: '2'`);
 *  - docker-modem/lib/ssh.js: ssh2 (~50 modules, ~4 MB), used only for a modem with protocol
 *    'ssh' (novashim's ssh:// engines go through its own tunnel, ssh-tunnel.ts).
 * Each is replaced in the require cache by a stand-in function that requires the real module on
 * its first call and delegates to it, so a caller that does use them still gets them. A module
 * something already loaded is left as it is.
 */
export function loadDockerode(): typeof Dockerode {
  if (dockerode) return dockerode;
  const dockerodeMain = require.resolve('dockerode');
  deferModule(() => require.resolve('dockerode/lib/session'));
  deferModule(() => require.resolve('docker-modem/lib/ssh', { paths: [path.dirname(dockerodeMain)] }));
  dockerode = require(dockerodeMain) as typeof Dockerode;
  return dockerode;
}

type ModuleFunction = (...args: unknown[]) => unknown;

/**
 * puts a stand-in for a module that exports one function in the require cache, unless it is
 * loaded, or is not where this expects it (another dockerode version: then it loads as usual)
 */
function deferModule(resolve: () => string): void {
  let file: string;
  try {
    file = resolve();
  } catch {
    return;
  }
  if (require.cache[file]) return;
  let real: ModuleFunction | undefined;
  const stub = new Module(file);
  stub.filename = file;
  stub.loaded = true;
  stub.exports = function deferred(this: unknown, ...args: unknown[]): unknown {
    real ??= loadReal(file, stub);
    return real.apply(this, args);
  };
  require.cache[file] = stub;
}

/** requires the real module once; the stand-in stays in the cache (its importers hold it already) */
function loadReal(file: string, stub: NodeJS.Module): ModuleFunction {
  delete require.cache[file];
  try {
    return require(file) as ModuleFunction;
  } finally {
    require.cache[file] = stub;
  }
}
