import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { CaRecord } from '../../../src/ca/records.js';
import type { Store } from '../../../src/ca/store-port.js';
import { prepareOcspSigners } from '../../../src/cli/commands/serve-ocsp-workers.js';
import { issuingCaRow } from '../../store/support/ca-record.js';

/** A CA record with only what prepareOcspSigners reads: its status and whether it has a certificate. */
function ca(id: string, status: CaRecord['status'], certified = true): CaRecord {
  return issuingCaRow(id, new Date(0), {
    status,
    certificateDer: certified ? new Uint8Array([0x30, 0x00]) : null,
  }) as CaRecord;
}

describe('prepareOcspSigners (before the OCSP workers fork)', () => {
  it('makes the signer of every CA that answers OCSP: active and retired, not pending', async () => {
    const records = [ca('active-1', 'active'), ca('retired-1', 'retired'), ca('pending-1', 'pending', false)];
    const asked: string[] = [];
    const store = { cas: { list: async () => records } } as unknown as Store;
    const authority = {
      ensureOcspSigner: async (id: string) => {
        asked.push(id);
        return { ...records.find((r) => r.id === id)!, ocspSignerDer: new Uint8Array([1]) };
      },
    };
    await prepareOcspSigners(authority, store, pino({ level: 'silent' }));
    expect(asked).toEqual(['active-1', 'retired-1']);
  });

  it('a CA whose signer cannot be made now is logged and left to the first request', async () => {
    const store = { cas: { list: async () => [ca('a', 'active'), ca('b', 'retired')] } } as unknown as Store;
    const asked: string[] = [];
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    const authority = {
      ensureOcspSigner: async (id: string) => {
        asked.push(id);
        throw new Error('no passphrase');
      },
    };
    await prepareOcspSigners(authority, store, logger);
    expect(asked).toEqual(['a', 'b']);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('the first request makes it');
  });
});
