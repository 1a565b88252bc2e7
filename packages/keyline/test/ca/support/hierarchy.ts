import {
  KEYLINE_ATTRIBUTE,
  OID,
  Tag,
  buildCsr,
  encodeName,
  generateSigner,
  seededRandom,
  type NameAttributeInput,
  type RandomSource,
  type Signer,
} from '@keyline/core';
import { createCertificateAuthority, type CertificateAuthority } from '../../../src/ca/index.js';
import type { AuthorityOptions } from '../../../src/ca/options.js';
import type { CaRecord } from '../../../src/ca/records.js';
import { CLI_ACTOR } from '../../../src/ca/service-port.js';
import type { Store } from '../../../src/ca/store-port.js';
import { manualClock, type ManualClock } from './clock.js';
import { memoryKeys, type CountingKeys } from './keys.js';
import { sqliteStore } from './store.js';

export interface TestAuthority {
  readonly ca: CertificateAuthority;
  readonly store: Store;
  readonly keys: CountingKeys;
  readonly clock: ManualClock;
  readonly random: RandomSource;
  readonly dir: string;
  dispose(): Promise<void>;
}

/**
 * An authority over a fresh SQLite store, in-memory keys that count signatures and a hand-moved
 * clock (from `start`; tests that hand certificates to OpenSSL start at the real time, since
 * OpenSSL judges validity by it).
 */
export async function testAuthority(
  options: AuthorityOptions = {},
  wrap: (store: Store) => Store = (s) => s,
  start?: Date,
): Promise<TestAuthority> {
  const { store, dir, dispose } = await sqliteStore();
  const keys = memoryKeys();
  const clock = manualClock(start);
  const random = seededRandom(0x5eed);
  const ca = createCertificateAuthority({ store: wrap(store), keys, clock, random, options });
  return {
    ca,
    store,
    keys,
    clock,
    random,
    dir,
    dispose: async () => {
      ca.close();
      await dispose();
    },
  };
}

export interface Hierarchy {
  readonly root: CaRecord;
  readonly manufacturer: CaRecord;
  readonly issuing: CaRecord;
}

/** root → manufacturer CA "acme" → issuing CA for product "sensor-1". */
export async function makeHierarchy(ca: CertificateAuthority): Promise<Hierarchy> {
  const root = await ca.createRoot({ name: 'Keyline Test Root', organization: 'Keyline Test Ecosystem' }, CLI_ACTOR);
  const manufacturer = await ca.createCa(
    {
      parentId: root.id,
      name: 'Acme Manufacturer CA',
      organization: 'Acme Devices',
      kind: 'manufacturer',
      manufacturerId: 'acme',
    },
    CLI_ACTOR,
  );
  const issuing = await ca.createCa(
    {
      parentId: manufacturer.id,
      name: 'Acme Line 1 CA',
      organization: 'Acme Devices',
      kind: 'issuing',
      manufacturerId: 'acme',
      productId: 'sensor-1',
    },
    CLI_ACTOR,
  );
  return { root, manufacturer, issuing };
}

/** A CSR signed by `signer` (default a fresh P-256 key) for the given subject attributes. */
export async function csrFor(
  attributes: readonly NameAttributeInput[],
  signer: Signer = generateSigner('P-256'),
  extensions?: Parameters<typeof buildCsr>[0]['extensions'],
): Promise<Uint8Array> {
  return buildCsr({ subject: encodeName(attributes.map((a) => [a])), signer, ...(extensions && { extensions }) });
}

/** A device CSR whose commonName is the chip serial in hex (KECP 6.1). */
export function deviceCsr(
  chipHex = '0123456789abcdef',
  signer?: Signer,
  extra: NameAttributeInput[] = [],
): Promise<Uint8Array> {
  return csrFor([...extra, { type: OID.commonName, value: chipHex }], signer);
}

export const ATTR = {
  manufacturer: (value: string): NameAttributeInput => ({
    type: KEYLINE_ATTRIBUTE.manufacturerId,
    value,
    tag: Tag.UTF8_STRING,
  }),
  product: (value: string): NameAttributeInput => ({ type: KEYLINE_ATTRIBUTE.productId, value, tag: Tag.UTF8_STRING }),
  cn: (value: string): NameAttributeInput => ({ type: OID.commonName, value }),
  o: (value: string): NameAttributeInput => ({ type: OID.organizationName, value }),
};
