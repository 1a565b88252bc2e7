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
  ): Promise<CertificateRecord[]>;
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
