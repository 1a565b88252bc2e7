import type { Certificate } from '../../x509/certificate/certificate.js';
import type { DeviceNames } from './identity.js';

/**
 * The port of verifyDevice's device-shape lane (`leaf-lane.ts`): a verifier that knows how its
 * issuing CAs lay out their device certificates checks a new device by its own fields, without
 * decoding, linting and walking the RFC 5280 leaf steps of a certificate whose every other byte
 * it has seen pass before. trust/ defines the port; issuance/ implements it with the device
 * template the CA issues with (`deviceTemplateShapes`), and the caller hands it over through
 * `ValidationCache`'s `deviceShapes`.
 */
export interface DeviceShapes {
  /**
   * A shape `leaf` belongs to, for devices `issuer` issues, or undefined. Called with a device
   * certificate that has just passed verifyDevice's checks under `issuer` (the exemplar).
   */
  learn(leaf: Certificate, issuer: Certificate): DeviceShape | undefined;
}

/**
 * A set of device certificates of one issuing CA that differ only in their own fields: serial
 * number, validity, the subject's serialNumber and commonName, the public key, its key identifier
 * and the subjectAltName's device identifiers, and the signature.
 *
 * What an implementation must guarantee (the lane's soundness rests on it): every certificate
 * `match` accepts decodes strictly to the fields it answers, has the exemplar's bytes everywhere
 * else, and has fields that no check of verifyChain's leaf steps, the ecosystem profile (its
 * linter with the issuer known) or the device identity reads in a way that could fail once the
 * exemplar passed, apart from the three the lane checks itself: the signature, the validity at
 * the verification time and name constraints (the lane runs only where there are none).
 */
export interface DeviceShape {
  /** The fields of `der` when it is exactly a certificate of this shape, else undefined. Never throws. */
  match(der: Uint8Array): DeviceShapeMatch | undefined;
}

/** What a shape reads from one of its certificates: views into the DER given to `match`. */
export interface DeviceShapeMatch {
  /** The TBSCertificate, header included: what the signature covers. */
  readonly tbs: Uint8Array;
  readonly signatureValue: Uint8Array;
  /** The SubjectPublicKeyInfo's DER. */
  readonly spki: Uint8Array;
  /** The subjectPublicKey BIT STRING content (the point). */
  readonly publicKey: Uint8Array;
  /** The serial number's unsigned magnitude (no sign octet). */
  readonly serialNumber: Uint8Array;
  /** Validity bounds in whole seconds (ms since the epoch). */
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  /** The identity its subject carries, as `deviceNamesOf` reads it. */
  readonly names: DeviceNames;
}
