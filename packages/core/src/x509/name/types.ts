/** One AttributeTypeAndValue of a distinguished name. */
export interface NameAttribute {
  /** Attribute type OID, dotted. */
  readonly type: string;
  /** The string type's identifier octet (UTF8String 0x0c, PrintableString 0x13, …). */
  readonly tag: number;
  /** The decoded string value. */
  readonly value: string;
}

/** A relative distinguished name: a set of one or more attributes. */
export type Rdn = readonly NameAttribute[];

/** A distinguished name as decoded, with its exact encoding kept for byte comparison. */
export interface Name {
  /** The full DER of the Name (the RDNSequence). */
  readonly der: Uint8Array;
  readonly rdns: readonly Rdn[];
}
