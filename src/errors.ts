/**
 * Domain errors. Services, stores and drivers throw these; one middleware per API renders them
 * as that API's fault body. They know a default HTTP status and nothing else about HTTP.
 */
export class DomainError extends Error {
  /** default HTTP status; a handler may re-map it where the context changes its meaning */
  status = 500;
  /** safe to show to the client (Koa's `expose`, Nova's `safe`) */
  readonly expose: boolean = true;
  headers: Record<string, string> = {};

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

const withStatus = (status: number) =>
  class extends DomainError {
    constructor(message: string) {
      super(message);
      this.status = status;
    }
  };

export class BadRequest extends withStatus(400) {}
export class ValidationError extends withStatus(400) {}
export class Unauthorized extends withStatus(401) {}
export class Forbidden extends withStatus(403) {}
export class NotFound extends withStatus(404) {}
/** A 404 with a message of its own (Nova's HTTPNotFound(explanation=…)). */
export class ItemNotFound extends NotFound {}
export class MethodNotAllowed extends withStatus(405) {}
export class NotAcceptable extends withStatus(406) {}
export class Conflict extends withStatus(409) {}
export class PayloadTooLarge extends withStatus(413) {}
export class UnsupportedMediaType extends withStatus(415) {}
export class NotSupported extends withStatus(501) {
  constructor(message = 'The requested functionality is not supported.') {
    super(message);
  }
}
export class ServiceUnavailable extends withStatus(503) {}

export class InstanceNotFound extends NotFound {
  constructor(id: string) {
    super(`Instance ${id} could not be found.`);
  }
}

export class FlavorNotFound extends NotFound {
  constructor(id: string) {
    super(`Flavor ${id} could not be found.`);
  }
}

export class ImageNotFound extends NotFound {
  constructor(id: string) {
    super(`Image ${id} could not be found.`);
  }
}

export class KeypairNotFound extends NotFound {
  constructor(name: string) {
    super(`Keypair ${name} not found for user`);
  }
}

export class KeypairExists extends Conflict {
  constructor(name: string) {
    super(`Key pair '${name}' already exists.`);
  }
}

export class InstanceInvalidState extends Conflict {
  constructor(id: string, attr: string, state: string | null, method: string) {
    super(`Cannot '${method}' instance ${id} while it is in ${attr} ${state ?? 'None'}`); // Python's None
  }
}

/** Nova's InstanceIsLocked: a non-admin acting on a locked server. */
export class InstanceIsLocked extends Conflict {
  constructor(id: string) {
    super(`Instance ${id} is locked`);
  }
}

/** Nova's InstanceNotReady: the instance has no host or container yet (still building, or its spawn failed). */
export class InstanceNotReady extends Conflict {
  constructor(id: string) {
    super(`Instance ${id} is not ready`);
  }
}

/** The driver has no such instance on its engine (it was removed behind our back). */
export class InstanceNotFoundInDriver extends DomainError {
  constructor(id: string) {
    super(`Instance ${id} could not be found on its host.`);
  }
}

/** Nova's SetAdminPasswdNotSupported: the instance's image has no way to hold a root password (409). */
export class SetAdminPasswdNotSupported extends Conflict {
  constructor() {
    super('Set admin password is not supported');
  }
}

/** Nova's InstancePasswordSetFailed (409); the reason never carries the password. */
export class InstancePasswordSetFailed extends Conflict {
  constructor(id: string, reason: string) {
    super(`Failed to set admin password on ${id} because ${reason}`);
  }
}

/** The image exists but this driver cannot boot it (wrong container_format, no data, ...). */
export class ImageNotBootable extends BadRequest {
  constructor(id: string, why: string) {
    super(`Image ${id} is not bootable: ${why}`);
  }
}

/** Anything the engine refused; the message is the engine's, kept for the instance fault. */
export class DriverError extends DomainError {
  constructor(message: string) {
    super(message);
  }
}
