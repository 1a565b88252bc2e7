import type { NewCa } from '../../../src/ca/store-port.js';

/**
 * An active issuing CA row for store tests that need a CA to hang certificates or batches on:
 * no certificate, key or OCSP signer behind it. `overrides` sets whatever a test cares about.
 */
export function issuingCaRow(id: string, createdAt: Date, overrides: Partial<NewCa> = {}): NewCa {
  return {
    id,
    label: `label-${id}`,
    kind: 'issuing',
    parentId: null,
    subject: `CN=${id}`,
    manufacturerId: null,
    productId: null,
    keyUri: `file:keys/${id}.p8`,
    certificateDer: null,
    csrDer: null,
    status: 'active',
    fingerprint: null,
    ocspSignerDer: null,
    ocspSignerKeyUri: null,
    createdAt,
    ...overrides,
  };
}
