/**
 * What carries frames between a host and an element: one command frame out, one response frame
 * back. Implementations time out (ERR_SE_NOT_RESPONDING) rather than wait forever, and fail with
 * ERR_SE_CLOSED once closed.
 */
export interface Transport {
  transact(frame: Uint8Array): Promise<Uint8Array>;
  /**
   * As `transact`, but the response comes back synchronously when the element answered at once (an
   * emulator in the same process); otherwise a promise.
   */
  transactNow?(frame: Uint8Array): Uint8Array | Promise<Uint8Array>;
  close(): Promise<void>;
}
