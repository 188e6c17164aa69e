/**
 * Typed errors raised by core. They carry a stable `code`; the HTTP edge maps them to statuses
 * (see apps/gateway/src/api/problem-details.ts) so that core never knows about HTTP.
 */
export type CoreErrorKind = 'validation' | 'not-found' | 'conflict' | 'unsupported' | 'forbidden';

export class CoreError extends Error {
  constructor(
    readonly kind: CoreErrorKind,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends CoreError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super('validation', code, message, details);
  }
}

export class NotFoundError extends CoreError {
  constructor(what: string, id: string) {
    super('not-found', `${what}-not-found`, `${what} '${id}' does not exist`, { id });
  }
}

export class ConflictError extends CoreError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super('conflict', code, message, details);
  }
}

/** A transition the job or campaign state machine does not allow from its current state. */
export class InvalidTransitionError extends ConflictError {
  constructor(entity: string, id: string, from: string, to: string) {
    super('invalid-transition', `${entity} '${id}' cannot go from '${from}' to '${to}'`, {
      from,
      to,
    });
  }
}
