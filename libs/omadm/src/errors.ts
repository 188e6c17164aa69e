/** Why a DM message could not be understood; `status` is the SyncML status to answer with. */
export class DmProtocolError extends Error {
  override readonly name = 'DmProtocolError';
  constructor(
    message: string,
    readonly status: number = 400,
  ) {
    super(message);
  }
}

/** Bad input to a DM builder/encoder (a programming or configuration error, not a device fault). */
export class DmUsageError extends Error {
  override readonly name = 'DmUsageError';
}
