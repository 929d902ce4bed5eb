import path from 'node:path';
import v8 from 'node:v8';

/**
 * V8 doubles the young generation (two semi-spaces, up to 2 × 16 MiB) whenever most objects
 * survive a scavenge, and loading ~800 modules and migrating at start looks exactly like that: an
 * idle novashim kept 16–32 MiB of young generation it never needed again (V8 gives it back only in
 * a memory-reducing GC, which an idle process does not run). So growth is held while the process
 * starts (a growth factor of 1: no growth) and released once it listens; request load grows the
 * young generation as before. Only when main.js is the entry point (main imports this module
 * first, so the hold covers the other imports) and the operator set no semi-space flag.
 */
const GROWTH_FLAG = '--semi-space-growth-factor';
/** V8's default (`node --v8-options`) */
const DEFAULT_GROWTH_FACTOR = 2;

let held = false;

export function holdYoungGeneration(): boolean {
  if (held || operatorTunedSemiSpace()) return false;
  v8.setFlagsFromString(`${GROWTH_FLAG}=1`);
  held = true;
  return true;
}

export function releaseYoungGeneration(): void {
  if (!held) return;
  v8.setFlagsFromString(`${GROWTH_FLAG}=${DEFAULT_GROWTH_FACTOR}`);
  held = false;
}

export function youngGenerationHeld(): boolean {
  return held;
}

function operatorTunedSemiSpace(): boolean {
  return [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => /semi[-_]space/.test(arg));
}

if (require.main?.filename === path.join(__dirname, 'main.js')) holdYoungGeneration();
