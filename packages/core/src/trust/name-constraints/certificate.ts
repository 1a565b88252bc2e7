import type { Certificate } from '../../x509/certificate/certificate.js';
import { decodeSubjectAltName } from '../../x509/extensions/alt-name.js';
import { decodeNameConstraints } from '../../x509/extensions/name-constraints.js';
import type { NameConstraints } from '../../x509/extensions/types.js';
import { OID } from '../../x509/oids.js';
import type { NameConstraintsCheckInput } from './types.js';

/**
 * The decoded nameConstraints extension of a certificate, or undefined when it has none. A
 * malformed extension throws its KeylineError (ERR_X509_BAD_EXTENSION or ERR_DER_*), as any
 * malformed input does. Criticality (RFC 5280 requires it) is the validator's to judge.
 */
export function nameConstraintsOf(certificate: Certificate): NameConstraints | undefined {
  return certificate.decoded(OID.nameConstraints, decodeNameConstraints);
}

/**
 * The names of a certificate as `NameConstraintsState.check` takes them: its subject and its
 * decoded subjectAltName. `isSelfIssuedIntermediate` is the caller's to say (it depends on the
 * certificate's place in the path). A malformed subjectAltName throws its KeylineError.
 */
export function nameConstraintsInputOf(
  certificate: Certificate,
  isSelfIssuedIntermediate: boolean,
): NameConstraintsCheckInput {
  return {
    subject: certificate.subject,
    subjectAltNames: certificate.decoded(OID.subjectAltName, decodeSubjectAltName),
    isSelfIssuedIntermediate,
  };
}
