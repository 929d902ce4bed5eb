/**
 * A reply body already serialized to JSON bytes (GET /servers/detail assembles its body from cached
 * per-server fragments, views/server-list-cache.ts). The router sends the bytes as they are
 * (application/json). Response validation: in 'error' mode (the tests) the bytes are parsed and the
 * whole body is checked as any other; in 'warn' mode `shallow` is checked — the body without the
 * parts that were already checked when they were rendered (each fragment is checked against its
 * item schema once, when it is rendered).
 */
export class RenderedJson {
  constructor(readonly bytes: Buffer, readonly shallow: unknown) {}
}
