/**
 * Keyline's own object identifiers (KECP section 2).
 *
 * The arc sits under `2.25`, the ITU-T X.667 arc for OIDs made from a UUID, which needs no
 * registration. The UUID was generated once, on 2026-11-25, and is fixed forever:
 *
 *   UUID  00b670bd-8e78-431d-8793-bb36f472c78f
 *   OID   2.25.947284676343922247703881128959199119  (the UUID's 128-bit integer value)
 *
 * Nothing under this arc is ever reassigned; a changed meaning gets a new number.
 */
export const KEYLINE_UUID = '00b670bd-8e78-431d-8793-bb36f472c78f';

/** The Keyline arc: `2.25.` + the UUID as an unsigned 128-bit integer in decimal (X.667 section 6.3). */
export const KEYLINE_ARC = '2.25.947284676343922247703881128959199119';

/** Certificate policy identifiers (KECP 2.2), asserted in certificatePolicies. */
export const KEYLINE_POLICY = {
  /** Device identity policy v1: birth certificates (IDevIDs) and the CAs that issue them. */
  deviceIdentityV1: `${KEYLINE_ARC}.1.1`,
  /** Operational policy v1: owner-issued operational certificates (LDevIDs) and the CAs that issue them. */
  operationalV1: `${KEYLINE_ARC}.1.2`,
} as const;

/** Attribute types for distinguished names (KECP 2.3). Values are UTF8String. */
export const KEYLINE_ATTRIBUTE = {
  /** The manufacturer id the ecosystem operator assigns at admission (KECP 6.4). */
  manufacturerId: `${KEYLINE_ARC}.2.1`,
  /** The manufacturer's product id (KECP 6.4). */
  productId: `${KEYLINE_ARC}.2.2`,
  /** The hardware version (revision) of the product (KECP 6.4). */
  hardwareVersion: `${KEYLINE_ARC}.2.3`,
} as const;

/**
 * Hardware module types (KECP 2.4), used as the `hwType` of an RFC 4108 hardwareModuleName when the
 * manufacturer has no OID of its own for the product.
 */
export const KEYLINE_HARDWARE_TYPE = {
  /** A device whose identity key lives in a secure element; hwSerialNum is the element's serial. */
  secureElementDevice: `${KEYLINE_ARC}.4.1`,
} as const;

/**
 * Private extensions (KECP 2.5). Version 1 of the policy defines none; `.3` is reserved for them so
 * a later version can add one without touching the other arcs.
 */
export const KEYLINE_EXTENSION_ARC = `${KEYLINE_ARC}.3`;

/** Display names of Keyline's attribute types, for formatting names (`keylineManufacturerId=acme`). */
export const KEYLINE_ATTRIBUTE_SHORT_NAMES: Readonly<Record<string, string>> = {
  [KEYLINE_ATTRIBUTE.manufacturerId]: 'keylineManufacturerId',
  [KEYLINE_ATTRIBUTE.productId]: 'keylineProductId',
  [KEYLINE_ATTRIBUTE.hardwareVersion]: 'keylineHardwareVersion',
};

/** Every policy OID Keyline defines, for "is this one of ours" checks. */
export const KEYLINE_POLICY_OIDS: ReadonlySet<string> = new Set(Object.values(KEYLINE_POLICY));
