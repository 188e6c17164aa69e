/** Base class of every error raised by the Workpoint library. */
export class WorkpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The request body is not well-formed XML. */
export class WorkpointXmlError extends WorkpointError {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
  }
}

/** Well-formed XML that is not a usable WorkpointMessage / DLSMessage. */
export class WorkpointMessageError extends WorkpointError {}

/** A value cannot be represented in an XML 1.0 document (e.g. a control character). */
export class WorkpointEncodingError extends WorkpointError {}

/** A job or operation the engine cannot carry out as given. */
export class WorkpointOperationError extends WorkpointError {}

/**
 * Secure-mode bootstrap with a PIN: the packing/encryption of `secure-mode-data` is not public,
 * so the gateway cannot build it.
 */
export class SecureModePinUnsupportedError extends WorkpointOperationError {
  constructor() {
    super(
      'secure-mode bootstrap with PIN is not supported: the secure-mode-data packing is not public; use mode "nopin"',
    );
  }
}
