import type { ErrorSpec } from '../spec.js';

/**
 * Failures of chain definitions and of the chip storage layout (`issuance/compressed/chain-definition.ts`),
 * and of the device SDK (`@keyline/device`): reading a device's identity from its secure element,
 * attesting, and handing its key to TLS.
 */
export const DEVICE_ERRORS = {
  // Chain definitions and the chip layout
  ERR_CHAIN_DEFINITION_MALFORMED: {
    message: 'the chain definition is not a valid version 1 Keyline chain definition',
    kind: 'input',
  },
  ERR_CHAIN_DEFINITION_VERSION: { message: 'the chain definition has an unknown version', kind: 'input' },
  ERR_CHAIN_DEFINITION_MISMATCH: {
    message: 'the chain definition does not describe this issuing CA or this chip',
    kind: 'invalid',
  },
  ERR_CHAIN_SLOT_MALFORMED: {
    message: 'a certificate slot of the chip does not hold the Keyline storage layout',
    kind: 'input',
  },
  // The device SDK
  ERR_DEVICE_NOT_PROVISIONED: {
    message:
      'the secure element holds no Keyline device identity (no key in the identity slot or no certificate slots)',
    kind: 'state',
  },
  ERR_DEVICE_NO_DEFINITION: {
    message: 'a chain definition is needed to rebuild the certificate chain from this element',
    kind: 'input',
  },
  ERR_DEVICE_CHAIN_INVALID: {
    message: 'the certificate chain rebuilt from the element does not verify or does not name this element',
    kind: 'invalid',
  },
  ERR_DEVICE_BAD_ATTEST_INPUT: {
    message: 'nonce and audience must be non-empty printable strings of at most 256 characters',
    kind: 'input',
  },
  ERR_DEVICE_SIGNATURE_INVALID: {
    message: "the element's signature does not verify against the device certificate's key",
    kind: 'internal',
  },
  ERR_DEVICE_NO_TLS_KEY: {
    message: 'this element offers no private-key handle to TLS (a socket-connected emulator, or no key handle given)',
    kind: 'state',
  },
  ERR_DEVICE_TLS_KEY_MISMATCH: {
    message: "the TLS key handle is not the device certificate's key",
    kind: 'invalid',
  },
} as const satisfies Record<string, ErrorSpec>;
