import type { CrlReason } from '@keyline/core';
import type {
  ApiTokenRecord,
  AuditEntry,
  CaRecord,
  CaStatus,
  CertificateRecord,
  CertificateStatus,
  CrlRecord,
  ManufacturerRecord,
  ProductRecord,
} from './records.js';

/**
 * The storage port the CA core and the edges use. store/ implements it twice (SQLite through
 * better-sqlite3, PostgreSQL through pg, both with Kysely) and one contract test suite runs against
 * both. The CA core never sees SQL; store/ makes no CA decisions.
 *
 * Every method that writes is atomic. `transaction` runs several calls atomically (the audit entry
 * of an operation is appended in the same transaction as the change it records).
 * Uniqueness is enforced by the database: (caId, serialHex) and (caId, requestId) for
 * certificates, `label` for CAs; a violation throws KeylineError ERR_STORE_CONFLICT.
 */
export interface Store {
  readonly engine: 'sqlite' | 'postgres';
  readonly cas: CaRepository;
  readonly certificates: CertificateRepository;
  readonly crls: CrlRepository;
  readonly tokens: TokenRepository;
  readonly manufacturers: ManufacturerRepository;
  readonly audit: AuditRepository;
  /** The provisioning line's journal (factory/). */
  readonly factory: FactoryJournalRepository;
  /** Runs `fn` with a store whose calls all commit or all roll back together. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque cursor for the next page, or null at the end. */
  readonly next: string | null;
}

export interface PageRequest {
  /** 1..1000, default 100. */
  readonly limit?: number;
  readonly cursor?: string | null;
}

export type NewCa = Omit<CaRecord, 'createdAt'> & { readonly createdAt?: Date };

export interface CaRepository {
  insert(ca: NewCa): Promise<CaRecord>;
  get(id: string): Promise<CaRecord | undefined>;
  getByLabel(label: string): Promise<CaRecord | undefined>;
  list(filter?: { readonly manufacturerId?: string; readonly kind?: CaRecord['kind'] }): Promise<CaRecord[]>;
  /** Sets the certificate of a pending CA (`ca install`) and makes it active. */
  install(id: string, certificateDer: Uint8Array, fingerprint: string): Promise<CaRecord>;
  setStatus(id: string, status: CaStatus): Promise<CaRecord>;
  setOcspSigner(id: string, signerDer: Uint8Array, keyUri: string): Promise<CaRecord>;
  /**
   * Compare-and-set of the OCSP signer: records `signerDer` and `keyUri` only if the CA's signer is
   * still `expectedDer` (null: none yet), in one statement, so of two writers that read the same
   * signer only the first replaces it. Returns whether it did and the CA as it is now (the other
   * writer's signer when not). ERR_STORE_NOT_FOUND when there is no such CA.
   */
  replaceOcspSigner(
    id: string,
    expectedDer: Uint8Array | null,
    signerDer: Uint8Array,
    keyUri: string,
  ): Promise<{ readonly replaced: boolean; readonly ca: CaRecord }>;
}

export interface NewCertificate {
  readonly id: string;
  readonly caId: string;
  readonly serialHex: string;
  readonly profile: CertificateRecord['profile'];
  readonly subject: string;
  readonly deviceId?: string | null;
  readonly chipSerial?: string | null;
  readonly requestId?: string | null;
  readonly at: Date;
}

/** A certificate stored directly as `signing` (`prepareMany`). */
export interface NewPreparedCertificate extends NewCertificate {
  readonly tbsDer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface MarkValidOptions {
  /**
   * The caller has checked that each DER's first element is the TBS stored at `markSigning`
   * byte for byte: the store may then keep only the DER, and records give `tbsDer` as that
   * element of `der` (a view). Without it both are kept.
   */
  readonly tbsInDer?: boolean;
  /**
   * The records as they stand in `signing` (as `prepareMany` or `markSigningMany` returned them),
   * in the order of the rows: a store may build its results from them and the new values instead
   * of reading the rows back (nothing but these transitions changes a `signing` row).
   */
  readonly signing?: readonly CertificateRecord[];
}

export interface CertificateFilter {
  readonly caId?: string;
  readonly status?: CertificateStatus;
  readonly serialHex?: string;
  readonly deviceId?: string;
  readonly chipSerial?: string;
  /** Only certificates of CAs of this manufacturer (operator scoping). */
  readonly manufacturerId?: string;
}

export interface CertificateRepository {
  /** Step 1 of the issuance cycle: persist the allocated serial (status `reserved`). */
  reserve(cert: NewCertificate): Promise<CertificateRecord>;
  /** Step 2: persist the linted TBS about to be signed (status `reserved` → `signing`). */
  markSigning(id: string, tbsDer: Uint8Array, notBefore: Date, notAfter: Date, at: Date): Promise<CertificateRecord>;
  /** Step 3: the signed certificate, checked (status `signing` → `valid`). */
  markValid(id: string, der: Uint8Array, fingerprint: string, at: Date): Promise<CertificateRecord>;
  /**
   * Optional bulk forms of `reserve`, `markSigning` and `markValid` for batches (the factory line):
   * the same rules per row, all rows or none, results in input order. A store that offers them
   * lets a batch cost a few statements instead of three per certificate; the CA falls back to the
   * single-row methods when they are absent.
   */
  reserveMany?(certs: readonly NewCertificate[]): Promise<CertificateRecord[]>;
  markSigningMany?(
    rows: readonly {
      readonly id: string;
      readonly tbsDer: Uint8Array;
      readonly notBefore: Date;
      readonly notAfter: Date;
    }[],
    at: Date,
  ): Promise<CertificateRecord[]>;
  markValidMany?(
    rows: readonly { readonly id: string; readonly der: Uint8Array; readonly fingerprint: string }[],
    at: Date,
    options?: MarkValidOptions,
  ): Promise<CertificateRecord[]>;
  /**
   * Optional: steps 1 and 2 together for a batch, one write per certificate instead of two: each
   * row is stored at once as `signing` with its serial, TBS and validity (the caller has already
   * built and linted the TBS around the serial). The same keys, conflicts (ERR_STORE_CONFLICT
   * naming the key) and all-or-nothing rule as `reserveMany`; results in input order.
   */
  prepareMany?(certs: readonly NewPreparedCertificate[]): Promise<CertificateRecord[]>;
  /** Recovery: never signed (`reserved`/`signing` → `failed`). */
  markFailed(id: string, at: Date): Promise<CertificateRecord>;
  /** `valid` → `revoked`. Revoking a revoked certificate is a conflict (ERR_STORE_CONFLICT). */
  revoke(id: string, reason: CrlReason, revokedAt: Date): Promise<CertificateRecord>;
  get(id: string): Promise<CertificateRecord | undefined>;
  getBySerial(caId: string, serialHex: string): Promise<CertificateRecord | undefined>;
  getByRequestId(caId: string, requestId: string): Promise<CertificateRecord | undefined>;
  /** Records still `reserved` or `signing` (what recovery must finish), oldest first. */
  listUnfinished(caId?: string): Promise<CertificateRecord[]>;
  /** Revoked certificates of a CA, for CRLs; `since` limits to revocations after a time (delta CRLs). */
  listRevoked(caId: string, since?: Date): Promise<CertificateRecord[]>;
  search(filter: CertificateFilter, page?: PageRequest): Promise<Page<CertificateRecord>>;
  count(filter?: CertificateFilter): Promise<number>;
}

export interface CrlRepository {
  /** Stores a signed CRL; its number must exceed every earlier number of the CA (ERR_STORE_CONFLICT otherwise). */
  insert(crl: CrlRecord): Promise<CrlRecord>;
  latest(caId: string, kind?: 'full' | 'delta'): Promise<CrlRecord | undefined>;
  /** The highest cRLNumber used by the CA so far (0n when none). */
  lastNumber(caId: string): Promise<bigint>;
}

export interface TokenRepository {
  insert(token: ApiTokenRecord): Promise<ApiTokenRecord>;
  getByHash(tokenHash: string): Promise<ApiTokenRecord | undefined>;
  list(): Promise<ApiTokenRecord[]>;
  revoke(id: string, at: Date): Promise<ApiTokenRecord>;
}

export interface ManufacturerRepository {
  insert(m: ManufacturerRecord): Promise<ManufacturerRecord>;
  get(id: string): Promise<ManufacturerRecord | undefined>;
  list(): Promise<ManufacturerRecord[]>;
  insertProduct(p: ProductRecord): Promise<ProductRecord>;
  listProducts(manufacturerId: string): Promise<ProductRecord[]>;
}

export interface AuditRepository {
  /** Appends entries in order; `seq` must continue the log (ERR_STORE_CONFLICT otherwise). */
  append(entry: AuditEntry): Promise<void>;
  /** The last entry, or undefined for an empty log. */
  last(): Promise<AuditEntry | undefined>;
  /** Entries with seq in [from, to], ascending; for verification in bounded memory. */
  range(from: number, to: number): Promise<AuditEntry[]>;
  count(): Promise<number>;
}

/** Global settings kept in the store (schema version, admin bootstrap done, …) live behind migrations. */
export type { CrlRecord, ApiTokenRecord, AuditEntry, CaRecord, CertificateRecord, ManufacturerRecord, ProductRecord };

/** The states of a chip on the provisioning line (factory/journal.ts decides the transitions). */
export type FactoryChipState = 'claimed' | 'key-made' | 'issuing' | 'issued' | 'locked' | 'done' | 'quarantined';

/** A batch of the provisioning line. */
export interface FactoryBatchRecord {
  readonly id: string;
  readonly caId: string;
  readonly productId: string;
  readonly count: number;
  /** The element source as given (`emulator:<dir>`, `pkcs11:<uri>` without its PIN). */
  readonly source: string;
  readonly status: 'open' | 'complete';
  /** Who runs it now (`<host>:<pid>:<nonce>`), or null. */
  readonly owner: string | null;
  readonly manifestPath: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** One chip's journal entry. */
export interface FactoryChipRecord {
  readonly batchId: string;
  /** Lower-case hex. */
  readonly chipSerial: string;
  /** Its place in the batch (0, 1, …): the manifest's order. */
  readonly position: number;
  readonly state: FactoryChipState;
  /** Key generations so far (a re-made key revokes the previous attempt's certificate). */
  readonly attempt: number;
  /** The identity key's uncompressed point of the current attempt, once made. */
  readonly publicKey: Uint8Array | null;
  /** The request id the current attempt's certificate is issued under. */
  readonly requestId: string | null;
  /** The current attempt's certificate serial (lower-case hex), once issued. */
  readonly certSerial: string | null;
  /** Why it was quarantined. */
  readonly reason: string | null;
  readonly code: string | null;
  readonly updatedAt: Date;
}

/** A change of one chip's entry, applied only if the entry is in `from` (ERR_STORE_CONFLICT otherwise). */
export interface FactoryChipUpdate {
  readonly chipSerial: string;
  readonly from: FactoryChipState;
  readonly state: FactoryChipState;
  readonly attempt?: number;
  readonly publicKey?: Uint8Array | null;
  readonly requestId?: string | null;
  readonly certSerial?: string | null;
  readonly reason?: string | null;
  readonly code?: string | null;
}

/** A certificate the line decided to revoke (a superseded key, a quarantined chip). */
export interface FactoryRevocationRecord {
  readonly batchId: string;
  readonly chipSerial: string;
  readonly certSerial: string;
  readonly reason: CrlReason;
  /** The line's reason, for people. */
  readonly why: string;
  readonly createdAt: Date;
  /** When the CA revoked it; null while pending. */
  readonly revokedAt: Date | null;
}

/** A done chip with its certificate, for the manifest. */
export interface FactoryManifestRow {
  readonly chip: FactoryChipRecord;
  /** The certificate DER the CA recorded. */
  readonly certificateDer: Uint8Array;
}

/**
 * The provisioning line's journal: batches, a per-chip state machine keyed by chip serial (a chip
 * belongs to one batch), and the revocations the line decided on. The store checks only what a
 * database can (unique keys, the expected state of an update); factory/ decides the transitions.
 */
export interface FactoryJournalRepository {
  /** A new batch (ERR_STORE_CONFLICT if the id is taken). */
  createBatch(batch: Omit<FactoryBatchRecord, 'updatedAt'>): Promise<FactoryBatchRecord>;
  getBatch(id: string): Promise<FactoryBatchRecord | undefined>;
  /** Sets the owner if it is still `expected` (compare and set); whether it was set. */
  claimBatch(id: string, owner: string | null, expected: string | null, at: Date): Promise<boolean>;
  /** Marks the batch complete with its manifest (null: none, every chip quarantined). */
  completeBatch(id: string, manifestPath: string | null, at: Date): Promise<FactoryBatchRecord>;
  /** Adds chips to a batch in state `claimed` (ERR_STORE_CONFLICT if one is in a batch already). */
  addChips(
    batchId: string,
    chips: readonly { readonly chipSerial: string; readonly position: number }[],
    at: Date,
  ): Promise<void>;
  /** The entries of these chips, whatever their batch. */
  findChips(chipSerials: readonly string[]): Promise<FactoryChipRecord[]>;
  /** A batch's entries in position order, after `afterPosition` (-1 for the first page). */
  listChips(batchId: string, afterPosition: number, limit: number): Promise<FactoryChipRecord[]>;
  /**
   * Applies the updates all or none, each only from its `from` state (ERR_STORE_CONFLICT otherwise);
   * updates of the same transition and fields go to the database as one statement per chunk.
   */
  updateChips(batchId: string, updates: readonly FactoryChipUpdate[], at: Date): Promise<void>;
  /** How many of a batch's chips are in each state. */
  countStates(batchId: string): Promise<Partial<Record<FactoryChipState, number>>>;
  /** Done chips with their certificates, in position order, after `afterPosition`. */
  listManifestRows(batchId: string, afterPosition: number, limit: number): Promise<FactoryManifestRow[]>;
  /** Records revocations about to be made (a repeated one is ignored). */
  addRevocations(rows: readonly Omit<FactoryRevocationRecord, 'revokedAt'>[]): Promise<void>;
  markRevoked(batchId: string, certSerial: string, at: Date): Promise<void>;
  /** A batch's revocations; `pending` only those not yet made. */
  listRevocations(batchId: string, pending?: boolean): Promise<FactoryRevocationRecord[]>;
}
