import { encodeSignatureAlgorithm } from '../../crypto/algorithms.js';
import { CURVES, type CurveSpec } from '../../crypto/curves.js';
import { sha256 } from '../../crypto/hash.js';
import { parsePublicKeyInfo } from '../../crypto/public-key.js';
import { fail } from '../../errors/keyline-error.js';
import { buildTbsCertificate } from '../../x509/certificate/builder.js';
import { Certificate } from '../../x509/certificate/certificate.js';
import * as der from '../../x509/der/writer.js';
import { subordinateCaFields, type SubordinateCaRecipe } from '../ca-fields.js';
import { P256_SPKI_PREFIX } from '../template/device-input.js';
import { encodeCompressedDates } from './dates.js';
import { TEMPLATE_ID_LENGTH } from './format.js';

/** What an issuing CA certificate under one manufacturer CA holds constant (everything but key, serial and dates). */
export type SignerRecipe = Omit<
  SubordinateCaRecipe,
  'kind' | 'issuer' | 'serial' | 'notBefore' | 'validityYears' | 'spki'
>;

/** Options of `SignerTemplate.compile`. */
export interface SignerTemplateOptions {
  /** The manufacturer CA's certificate: the signer certificate's issuer. */
  readonly issuer: Certificate | Uint8Array;
  /** The manufacturer CA key's signature algorithm. */
  readonly signatureAlgorithm: 'ecdsa-sha256' | 'ecdsa-sha384';
  /** The issuing CA's names and pointers, as given to `subordinateCaFields` (kind 'issuing-ca'). */
  readonly recipe: SignerRecipe;
}

const FINGERPRINT_LABEL = new TextEncoder().encode('keyline compressed signer template v1');
const SERIAL_LABEL = new TextEncoder().encode('keyline compressed signer serial v1');

/**
 * The fixed layout of the signer (issuing CA) certificates one manufacturer CA issues with one
 * recipe: what `compressSignerCertificate` and `rebuildSignerCertificate` need besides the
 * compressed bytes and the signer's public key. The TBS is built with `subordinateCaFields` and
 * the general builder, so it is byte-identical to what `issueCertificate` signs for the same recipe.
 */
export class SignerTemplate {
  readonly issuer: Certificate;
  readonly recipe: SignerRecipe;
  /** DER AlgorithmIdentifier of the manufacturer CA's signatures. */
  readonly signatureAlgorithm: Uint8Array;
  /** The manufacturer CA key's curve: its signatures are 2 × size octets as r ‖ s. */
  readonly curve: CurveSpec;
  /** SHA-256 over a label, the algorithm and a sample TBS; its first octets are the stored template id. */
  readonly fingerprint: Uint8Array;

  private constructor(options: SignerTemplateOptions) {
    this.issuer = options.issuer instanceof Certificate ? options.issuer : Certificate.fromDer(options.issuer);
    this.recipe = options.recipe;
    this.signatureAlgorithm = encodeSignatureAlgorithm(options.signatureAlgorithm);
    const curveName = parsePublicKeyInfo(this.issuer.spki).curve;
    if (curveName === undefined) fail('ERR_X509_BUILD_INVALID', 'signer template: the issuer key is not an EC key');
    this.curve = CURVES[curveName];
    const sample = new Uint8Array(65).fill(0x02);
    sample[0] = 0x04;
    const tbs = this.tbs(
      der.concat([P256_SPKI_PREFIX, sample]),
      new Uint8Array(16).fill(0x41),
      this.issuer.notBefore,
      0,
    );
    this.fingerprint = sha256(der.concat([FINGERPRINT_LABEL, this.signatureAlgorithm, tbs]));
  }

  /** Compiles a signer template; refuses (ERR_X509_BUILD_INVALID) a recipe `subordinateCaFields` refuses. */
  static compile(options: SignerTemplateOptions): SignerTemplate {
    return new SignerTemplate(options);
  }

  /** The stored template id. */
  get id(): Uint8Array {
    return this.fingerprint.subarray(0, TEMPLATE_ID_LENGTH);
  }

  /** The length of a compressed signer certificate under this template: 8 + the raw signature. */
  get compressedLength(): number {
    return 8 + 2 * this.curve.size;
  }

  /** The TBSCertificate of the issuing CA certificate with this key, serial and validity. */
  tbs(spki: Uint8Array, serial: Uint8Array, notBefore: Date, validityYears: number): Uint8Array {
    const fields = subordinateCaFields({
      ...this.recipe,
      kind: 'issuing-ca',
      issuer: this.issuer,
      serial,
      notBefore,
      validityYears,
      spki,
    });
    return buildTbsCertificate({ ...fields, signatureAlgorithm: this.signatureAlgorithm });
  }
}

/**
 * The serial number of a compressible signer certificate: the first 16 octets of
 * SHA-256("keyline compressed signer serial v1" ‖ SPKI ‖ date field), top bit cleared and the next
 * set (positive, 16 significant octets, KECP 4.1). `spki` is the issuing CA key's DER
 * SubjectPublicKeyInfo; the validity must be compressible (whole hour, whole years).
 */
export function deriveSignerSerial(spki: Uint8Array, notBefore: Date, notAfter: Date): Uint8Array {
  const dates = encodeCompressedDates(notBefore, notAfter);
  const serial = sha256(der.concat([SERIAL_LABEL, spki, dates])).slice(0, 16);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  return serial;
}
