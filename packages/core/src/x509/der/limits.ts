/**
 * Bounds applied to every untrusted DER input, so that no input can make a parser slow or
 * exhaust memory. Certificates in this ecosystem are a few hundred bytes; CRLs may be large.
 */
export interface DerLimits {
  /** Largest accepted input, in bytes. */
  readonly maxBytes: number;
  /** Deepest accepted nesting of constructed elements. */
  readonly maxDepth: number;
  /** Most elements (TLVs) accepted in one input. */
  readonly maxElements: number;
}

export const CERTIFICATE_LIMITS: DerLimits = { maxBytes: 64 * 1024, maxDepth: 24, maxElements: 4096 };
export const CRL_LIMITS: DerLimits = { maxBytes: 64 * 1024 * 1024, maxDepth: 24, maxElements: 8_000_000 };
export const DEFAULT_LIMITS: DerLimits = { maxBytes: 1024 * 1024, maxDepth: 32, maxElements: 100_000 };

/** OBJECT IDENTIFIER content longer than this is refused; real OIDs are well under 64 bytes. */
export const MAX_OID_BYTES = 128;
