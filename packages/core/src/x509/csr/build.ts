import { encodeSignatureAlgorithm } from '../../crypto/algorithms.js';
import type { Signer } from '../../crypto/signer.js';
import { fail } from '../../errors/keyline-error.js';
import { requireNameDer } from '../crl/name-input.js';
import { contextConstructed } from '../der/tags.js';
import * as der from '../der/writer.js';
import { encodeExtensions } from '../extensions/extension.js';
import type { Extension } from '../extensions/types.js';
import { OID } from '../oids.js';

/** What `buildCsr` needs. */
export interface BuildCsrInput {
  /** DER of the subject Name (e.g. from `encodeName` or `nameFromString`). */
  readonly subject: Uint8Array;
  /** Extensions to request through the PKCS #9 extensionRequest attribute (RFC 2985 5.4.2). */
  readonly extensions?: readonly Extension[];
  /** A PKCS #9 challengePassword (RFC 2985 5.4.1), 1 to 255 characters. */
  readonly challengePassword?: string;
  /** Signs with the key being certified: its SPKI becomes subjectPKInfo (proof of possession). */
  readonly signer: Signer;
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]+$/;

/**
 * Builds and signs a PKCS #10 certification request (RFC 2986): version 0, the subject, the
 * signer's SubjectPublicKeyInfo, attributes (always present, possibly empty, as RFC 2986 4.1
 * requires), signed with the signer's algorithm. Returns the DER.
 * Refuses a subject that is not one DER Name, duplicate extensions or a bad challengePassword
 * (ERR_X509_BUILD_INVALID).
 */
export async function buildCsr(input: BuildCsrInput): Promise<Uint8Array> {
  const { subject, signer } = input;
  requireNameDer(subject, 'subject');
  const attributes: Uint8Array[] = [];
  if (input.extensions !== undefined && input.extensions.length > 0) {
    attributes.push(der.seq(der.oid(OID.extensionRequest), der.setOf(encodeExtensions(input.extensions))));
  }
  if (input.challengePassword !== undefined) {
    const password = input.challengePassword;
    if (password.length === 0 || password.length > 255) {
      fail('ERR_X509_BUILD_INVALID', 'challengePassword must be 1 to 255 characters (RFC 2985 5.4.1)');
    }
    const value = PRINTABLE.test(password) ? der.printable(password) : der.utf8(password);
    attributes.push(der.seq(der.oid(OID.challengePassword), der.setOf(value)));
  }
  const info = der.seq(
    der.int(0),
    subject,
    signer.publicKeySpki,
    // attributes [0] IMPLICIT SET OF Attribute: DER sorts the members (X.690 11.6).
    der.tlv(contextConstructed(0), der.concat([...attributes].sort(der.compareBytes))),
  );
  const algorithm = encodeSignatureAlgorithm(signer.algorithm);
  const signature = await signer.sign(info);
  return der.seq(info, algorithm, der.bits(signature));
}
