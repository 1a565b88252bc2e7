/**
 * A plain `Uint8Array` view of a Node `Buffer` (no copy). The crypto layer returns plain
 * Uint8Arrays, so that callers never depend on Buffer-only methods or on Buffer's equality rules.
 */
export function asUint8Array(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
