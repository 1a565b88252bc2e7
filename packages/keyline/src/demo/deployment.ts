import { type Clock, type RandomSource } from '@keyline/core';
import type { AuthorityOptions } from '../ca/options.js';
import { createCertificateAuthority, type CertificateAuthority } from '../ca/index.js';
import type { CaRecord } from '../ca/records.js';
import { CLI_ACTOR } from '../ca/service-port.js';
import type { Store } from '../ca/store-port.js';
import { AUDIT_KEY_URI, checkpointingAuditAppender } from '../audit/deployment-key.js';
import { createKeyProvider, passphraseFromOptions, type ClosableKeyProvider } from '../keys/index.js';
import { initStore, resolveStoreLocation } from '../store/index.js';

/** One manufacturer of the demo ecosystem: its CA under the root and the issuing CA its factory uses. */
export interface DemoManufacturer {
  readonly name: string;
  readonly manufacturerId: string;
  readonly productId: string;
  readonly manufacturerCa: CaRecord;
  readonly issuingCa: CaRecord;
}

/** The embedded default, as `keyline init` makes it: a SQLite file, encrypted file keys, the CA core. */
export interface DemoDeployment {
  readonly dataDir: string;
  readonly store: Store;
  readonly keys: ClosableKeyProvider;
  readonly ca: CertificateAuthority;
  close(): Promise<void>;
}

/**
 * Opens a fresh data directory: the SQLite store, a key provider whose passphrase is a random one
 * made for this run (a real deployment reads KEYLINE_PASSPHRASE or prompts), the audit key and
 * the CA service.
 */
export async function openDemoDeployment(
  dataDir: string,
  clock: Clock,
  random: RandomSource,
  options: AuthorityOptions = {},
): Promise<DemoDeployment> {
  const store = await initStore(resolveStoreLocation({ data: dataDir }));
  const passphrase = Buffer.from(random.bytes(24)).toString('base64url');
  const keys = createKeyProvider({
    dataDir,
    passphrase: passphraseFromOptions({ env: { KEYLINE_PASSPHRASE: passphrase }, prompt: false }),
    random,
  });
  await keys.generate({ keyUri: AUDIT_KEY_URI, curve: 'P-256', label: 'audit' });
  const ca = createCertificateAuthority({
    store,
    keys,
    clock,
    random,
    audit: checkpointingAuditAppender(() => keys.open(AUDIT_KEY_URI)),
    options,
  });
  return {
    dataDir,
    store,
    keys,
    ca,
    async close() {
      ca.close();
      await keys.close();
      await store.close();
    },
  };
}

/** The ecosystem root: a P-384 key, the root profile, linted before it is signed. */
export async function makeRoot(deployment: DemoDeployment): Promise<CaRecord> {
  return deployment.ca.createRoot(
    { name: 'Keyline Demo Root CA', organization: 'Keyline Demo Ecosystem', curve: 'P-384', validityYears: 20 },
    CLI_ACTOR,
  );
}

/** A manufacturer CA under the root (pathLen 1) and its factory's issuing CA (pathLen 0, P-256, compressible). */
export async function admitManufacturer(
  deployment: DemoDeployment,
  root: CaRecord,
  who: { readonly name: string; readonly manufacturerId: string; readonly productId: string },
): Promise<DemoManufacturer> {
  const manufacturerCa = await deployment.ca.createCa(
    {
      parentId: root.id,
      name: `${who.name} Manufacturer CA`,
      organization: who.name,
      kind: 'manufacturer',
      manufacturerId: who.manufacturerId,
      curve: 'P-384',
      validityYears: 15,
    },
    CLI_ACTOR,
  );
  const issuingCa = await deployment.ca.createCa(
    {
      parentId: manufacturerCa.id,
      name: `${who.name} Factory Issuing CA`,
      organization: who.name,
      kind: 'issuing',
      manufacturerId: who.manufacturerId,
      productId: who.productId,
      curve: 'P-256',
      validityYears: 10,
    },
    CLI_ACTOR,
  );
  return { ...who, manufacturerCa, issuingCa };
}
