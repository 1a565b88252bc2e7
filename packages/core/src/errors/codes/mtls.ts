import type { ErrorSpec } from '../spec.js';

/**
 * Refusals of the server-side mutual-TLS helper (`keyline` server/mtls): a TLS client that is not
 * a verified device of the ecosystem is disconnected with one of these.
 */
export const MTLS_ERRORS = {
  ERR_MTLS_NO_CLIENT_CERT: { message: 'the TLS client presented no certificate', kind: 'auth' },
  ERR_MTLS_CLIENT_REFUSED: {
    message: "the TLS client's certificate chain is not a valid, unrevoked device chain of this ecosystem",
    kind: 'auth',
  },
} as const satisfies Record<string, ErrorSpec>;
