import { sha256 } from '../../crypto/hash.js';
import * as der from '../../x509/der/writer.js';
import type { DeviceTemplate } from '../template/device-template.js';
import { TEMPLATE_ID_LENGTH } from './format.js';

const FINGERPRINT_LABEL = new TextEncoder().encode('keyline compressed device template v1');
const fingerprints = new WeakMap<DeviceTemplate, Uint8Array>();

/**
 * A fingerprint of everything a device template holds constant: SHA-256 over a label, the
 * template's signature AlgorithmIdentifier and the TBSCertificate it writes for a fixed sample
 * device (the issuer name, subject attributes, extensions and their order all appear in it, the
 * sample's variable fields are the same for every template). Two templates that would encode a
 * device differently have different fingerprints.
 */
export function templateFingerprint(template: DeviceTemplate): Uint8Array {
  let fingerprint = fingerprints.get(template);
  if (fingerprint === undefined) {
    const serial = new Uint8Array(16).fill(0x01);
    serial[0] = 0x40;
    const point = new Uint8Array(65).fill(0x02);
    point[0] = 0x04;
    const tbs = template.tbs({
      serial,
      chipSerial: Uint8Array.of(0, 0, 0, 0),
      publicKey: point,
      notBefore: template.issuer.notBefore,
    });
    fingerprint = sha256(der.concat([FINGERPRINT_LABEL, template.spec.signatureAlgorithm, tbs]));
    fingerprints.set(template, fingerprint);
  }
  return fingerprint;
}

/** The template id a compressed certificate stores: the fingerprint's first octets. */
export function templateId(template: DeviceTemplate): Uint8Array {
  return templateFingerprint(template).subarray(0, TEMPLATE_ID_LENGTH);
}
