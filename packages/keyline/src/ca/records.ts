import type { CrlReason, ProfileName } from '@keyline/core';

/**
 * What the CA keeps, as plain records. The store persists them (store/), the CA core decides
 * over them (ca/), the edges render them (cli/, server/). Binary values are DER bytes; serials are
 * lower-case hex of the unsigned magnitude; times are Dates (UTC).
 */

/** The tier of a CA in the ecosystem hierarchy (KECP 5.1–5.3). */
export type CaKind = 'root' | 'manufacturer' | 'issuing';

/**
 * `pending`: key made and CSR written, waiting for its certificate (offline root, `ca csr`).
 * `active`: issuing. `retired`: kept for its CRLs and OCSP but issues nothing new.
 */
export type CaStatus = 'pending' | 'active' | 'retired';

export interface CaRecord {
  /** Stable identifier, e.g. `ca_01j…` (also used in URLs: /ocsp/<id>, /crl/<id>.crl). */
  readonly id: string;
  /** Short unique label for EST paths (/.well-known/est/<label>/). */
  readonly label: string;
  readonly kind: CaKind;
  /** The issuing CA's id; null for a root. */
  readonly parentId: string | null;
  /** RFC 4514 rendering of the subject, for display and search. */
  readonly subject: string;
  readonly manufacturerId: string | null;
  readonly productId: string | null;
  /** Where the key lives: `file:<path>` (encrypted PKCS#8) or an RFC 7512 `pkcs11:` URI. */
  readonly keyUri: string;
  /** The CA certificate; null while `pending`. */
  readonly certificateDer: Uint8Array | null;
  /** The CSR written for an offline parent, while `pending`. */
  readonly csrDer: Uint8Array | null;
  readonly status: CaStatus;
  /** SHA-256 of the certificate DER, hex; null while pending. */
  readonly fingerprint: string | null;
  /** The delegated OCSP signer's certificate and key (OCSP signer profile), when one was made. */
  readonly ocspSignerDer: Uint8Array | null;
  readonly ocspSignerKeyUri: string | null;
  readonly createdAt: Date;
}

/**
 * The issuance cycle's states (DESIGN.md, "Habits"):
 * `reserved` serial allocated and persisted → `signing` TBS linted and persisted, about to be
 * signed → `valid` signed and checked; `revoked` later. `failed` means recovery proved it was never
 * signed (or revoked what might have been: see ca/recovery). No state is skipped.
 */
export type CertificateStatus = 'reserved' | 'signing' | 'valid' | 'revoked' | 'failed';

export interface CertificateRecord {
  readonly id: string;
  readonly caId: string;
  /** Unsigned magnitude, lower-case hex; unique per CA. */
  readonly serialHex: string;
  readonly profile: ProfileName;
  readonly status: CertificateStatus;
  /** RFC 4514 rendering of the subject. */
  readonly subject: string;
  /** The exact TBS bytes that were linted and are (or were) to be signed; null while `reserved`. */
  readonly tbsDer: Uint8Array | null;
  /** The certificate; set from `valid` on. */
  readonly der: Uint8Array | null;
  readonly notBefore: Date | null;
  readonly notAfter: Date | null;
  /** KECP 6.1 device id (lower-case hex chip serial) for device certificates. */
  readonly deviceId: string | null;
  /** The secure element's serial (hex) for certificates made on the factory line. */
  readonly chipSerial: string | null;
  /** Client-chosen idempotency key; unique per CA. */
  readonly requestId: string | null;
  readonly revokedAt: Date | null;
  readonly revocationReason: CrlReason | null;
  /** SHA-256 of the DER, hex; set from `valid` on. */
  readonly fingerprint: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** One CRL the CA signed; the latest per CA (and per kind) is served. */
export interface CrlRecord {
  readonly caId: string;
  /** cRLNumber (RFC 5280 5.2.3): strictly increasing per CA across full and delta CRLs. */
  readonly number: bigint;
  readonly delta: boolean;
  /** For a delta CRL, the full CRL number it is based on (deltaCRLIndicator). */
  readonly baseNumber: bigint | null;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly der: Uint8Array;
}

export type TokenRole = 'admin' | 'operator' | 'auditor';

export interface ApiTokenRecord {
  readonly id: string;
  readonly name: string;
  readonly role: TokenRole;
  /** For `operator`: the manufacturer whose CAs it may use. */
  readonly manufacturerId: string | null;
  /** SHA-256 of the token secret, hex. The secret itself is never stored. */
  readonly tokenHash: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

export interface ManufacturerRecord {
  /** KECP 6.4 manufacturer id. */
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
}

export interface ProductRecord {
  readonly manufacturerId: string;
  /** KECP 6.4 product id. */
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
}

/**
 * One entry of the hash-chained audit log. Its `hash` is SHA-256 over the canonical JSON of the
 * entry's other fields, `prevHash` included (the exact form is in audit/hash.ts and docs/audit.md).
 * Checkpoints are entries whose action is `audit.checkpoint`, carrying a signature over the hash
 * at that point.
 */
export interface AuditEntry {
  /** 1, 2, 3, … without gaps. */
  readonly seq: number;
  readonly at: Date;
  /** Who did it: `cli`, `token:<id>`, `system`. */
  readonly actor: string;
  /** What was done, e.g. `ca.create`, `cert.issue`, `cert.revoke`, `crl.sign`. */
  readonly action: string;
  /** What it was done to, e.g. a CA id or `<caId>:<serialHex>`. */
  readonly target: string;
  readonly details: Readonly<Record<string, unknown>>;
  /** Hex SHA-256 of the previous entry (64 zeros for the first). */
  readonly prevHash: string;
  readonly hash: string;
}
