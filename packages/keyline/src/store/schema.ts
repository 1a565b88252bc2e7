import type { Generated } from 'kysely';

/**
 * The tables as Kysely sees them (column names in snake_case, values as stored: see codec.ts).
 * migrations/ creates them; repositories/ map rows to the records of ca/records.ts.
 */
export interface CasTable {
  id: string;
  label: string;
  kind: string;
  parent_id: string | null;
  subject: string;
  manufacturer_id: string | null;
  product_id: string | null;
  key_uri: string;
  certificate_der: Buffer | null;
  csr_der: Buffer | null;
  status: string;
  fingerprint: string | null;
  ocsp_signer_der: Buffer | null;
  ocsp_signer_key_uri: string | null;
  created_at: string;
}

export interface CertificatesTable {
  /** Insertion order: the keyset of `search` pages and the age order of `listUnfinished`. */
  seq: Generated<number | string>;
  id: string;
  ca_id: string;
  serial_hex: string;
  profile: string;
  status: string;
  subject: string;
  tbs_der: Buffer | null;
  der: Buffer | null;
  not_before: string | null;
  not_after: string | null;
  device_id: string | null;
  /** Null when chip_is_device is 1: the chip serial is the device id then (migrations/0003). */
  chip_serial: string | null;
  /** 1: the chip serial is device_id (stored once); 0: it is chip_serial (or none). */
  chip_is_device: Generated<number>;
  request_id: string | null;
  revoked_at: string | null;
  revocation_reason: string | null;
  fingerprint: string | null;
  created_at: string;
  updated_at: string;
}

export interface CrlsTable {
  ca_id: string;
  /** Zero-padded decimal (codec.ts, crlNumberToText). */
  number: string;
  delta: number;
  base_number: string | null;
  this_update: string;
  next_update: string;
  der: Buffer;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  role: string;
  manufacturer_id: string | null;
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface ManufacturersTable {
  id: string;
  name: string;
  created_at: string;
}

export interface ProductsTable {
  manufacturer_id: string;
  id: string;
  name: string;
  created_at: string;
}

export interface AuditLogTable {
  seq: number | string;
  at: string;
  actor: string;
  action: string;
  target: string;
  /** JSON text of the entry's details. */
  details: string;
  prev_hash: string;
  hash: string;
}

/** The provisioning line's journal (migrations/0002-factory-journal.ts). */
export interface FactoryBatchesTable {
  id: string;
  ca_id: string;
  product_id: string;
  count: number;
  source: string;
  status: string;
  owner: string | null;
  manifest_path: string | null;
  created_at: string;
  updated_at: string;
}

export interface FactoryChipsTable {
  batch_id: string;
  chip_serial: string;
  position: number;
  state: string;
  attempt: number;
  public_key: Buffer | null;
  request_id: string | null;
  cert_serial: string | null;
  reason: string | null;
  code: string | null;
  updated_at: string;
}

export interface FactoryRevocationsTable {
  batch_id: string;
  chip_serial: string;
  cert_serial: string;
  reason: string;
  why: string;
  created_at: string;
  revoked_at: string | null;
}

export interface Database {
  cas: CasTable;
  certificates: CertificatesTable;
  crls: CrlsTable;
  api_tokens: ApiTokensTable;
  manufacturers: ManufacturersTable;
  products: ProductsTable;
  audit_log: AuditLogTable;
  factory_batches: FactoryBatchesTable;
  factory_chips: FactoryChipsTable;
  factory_revocations: FactoryRevocationsTable;
}

/** Names of Kysely's migration bookkeeping tables in our databases. */
export const MIGRATION_TABLE = 'keyline_migration';
export const MIGRATION_LOCK_TABLE = 'keyline_migration_lock';
