import { keyIdentifier, type KeyIdentifierMethod } from '../../crypto/hash.js';
import {
  attributeValue,
  basicConstraintsOf,
  extKeyUsageOf,
  keyUsageOf,
  subjectAltNameOf,
  subjectKeyIdentifierOf,
} from '../../policy/decoded.js';
import { KEYLINE_ATTRIBUTE } from '../../policy/oids.js';
import type { DeviceShapes } from '../../trust/device/leaf-shapes.js';
import type { Certificate } from '../../x509/certificate/certificate.js';
import { decodeCrlDistributionPoints } from '../../x509/extensions/crl-distribution-points.js';
import { decodeAuthorityInfoAccess } from '../../x509/extensions/info-access.js';
import { OID } from '../../x509/oids.js';
import { nonSigningSigner, type DeviceTemplateOptions } from './device-spec.js';
import { DeviceTemplate } from './device-template.js';

const DEVICE_URN = /^urn:dev:os:([1-9][0-9]{0,15})-/;

/**
 * The device-shape port of verifyDevice (trust/device/leaf-shapes.ts) on device templates: a
 * device certificate's shape is the template that issues it, compiled from its issuing CA and
 * the options the certificate shows (ids, hardware version, keyUsage, subjectAltName forms, key
 * identifier method, extKeyUsage, CRL and OCSP pointers). A template matches exactly the
 * certificates it writes, whose device fields it checks as the CA's issuance does; every such
 * certificate lints clean against the device profile with its issuer (the argument the CA's
 * template path rests on, property-tested in test/issuance/template), and differs from another
 * only in the fields the port names. Certificates no template writes (another layout, extensions
 * in another order) get no shape and keep the full check.
 */
export function deviceTemplateShapes(): DeviceShapes {
  return {
    learn(leaf: Certificate, issuer: Certificate): DeviceTemplate | undefined {
      const options = templateOptionsOf(leaf, issuer);
      if (options === undefined) return undefined;
      let template: DeviceTemplate;
      try {
        template = DeviceTemplate.compile(options);
      } catch {
        return undefined; // options the device profile refuses: no shape, the full check stays
      }
      return template.match(leaf.der) === undefined ? undefined : template;
    },
  };
}

/** The template options `leaf` shows, or undefined when it cannot be a template's certificate. */
export function templateOptionsOf(leaf: Certificate, issuer: Certificate): DeviceTemplateOptions | undefined {
  try {
    return readOptions(leaf, issuer);
  } catch {
    return undefined; // an extension that does not decode: not a template's certificate
  }
}

function readOptions(leaf: Certificate, issuer: Certificate): DeviceTemplateOptions | undefined {
  const algorithm =
    leaf.signatureAlgorithm.oid === OID.ecdsaWithSha256
      ? 'ecdsa-sha256'
      : leaf.signatureAlgorithm.oid === OID.ecdsaWithSha384
        ? 'ecdsa-sha384'
        : undefined;
  const manufacturerId = attributeValue(leaf.subject.rdns, KEYLINE_ATTRIBUTE.manufacturerId);
  const productId = attributeValue(leaf.subject.rdns, KEYLINE_ATTRIBUTE.productId);
  if (algorithm === undefined || manufacturerId === undefined || productId === undefined) return undefined;
  const hardwareVersion = attributeValue(leaf.subject.rdns, KEYLINE_ATTRIBUTE.hardwareVersion);

  const altNames = subjectAltNameOf(leaf) ?? [];
  let hwType: string | undefined;
  let enterpriseNumber: number | undefined;
  for (const name of altNames) {
    if (name.type === 'otherName' && name.hardwareModuleName !== undefined) hwType = name.hardwareModuleName.hwType;
    if (name.type === 'uri') {
      const pen = DEVICE_URN.exec(name.value)?.[1];
      if (pen !== undefined) enterpriseNumber = Number(pen);
    }
  }

  const extKeyUsage = extKeyUsageOf(leaf);
  const crlUris = (leaf.decoded(OID.cRLDistributionPoints, decodeCrlDistributionPoints) ?? []).flatMap(
    (point) => point.fullName?.flatMap((name) => (name.type === 'uri' ? [name.value] : [])) ?? [],
  );
  const access = leaf.decoded(OID.authorityInfoAccess, decodeAuthorityInfoAccess) ?? [];
  const uriOf = (method: string): string | undefined => {
    for (const a of access) if (a.method === method && a.location.type === 'uri') return a.location.value;
    return undefined;
  };
  const ocspUrl = uriOf(OID.ocsp);
  const caIssuersUrl = uriOf(OID.caIssuers);

  return {
    issuer,
    signer: nonSigningSigner(issuer.spki, algorithm),
    manufacturerId,
    productId,
    ...(hardwareVersion !== undefined && { hardwareVersion }),
    keyAgreement: keyUsageOf(leaf)?.has('keyAgreement') === true,
    hardwareModuleName: hwType === undefined ? false : { hwType },
    ...(enterpriseNumber !== undefined && { deviceUrn: { enterpriseNumber } }),
    subjectKeyIdentifier: keyIdentifierMethodOf(leaf),
    basicConstraints: basicConstraintsOf(leaf) !== undefined,
    ...(extKeyUsage !== undefined && { extKeyUsage: [...extKeyUsage] }),
    ...(crlUris.length > 0 && { crlDistributionPoints: crlUris }),
    ...(ocspUrl !== undefined && { ocspUrl }),
    ...(caIssuersUrl !== undefined && { caIssuersUrl }),
  };
}

/** How the leaf's key identifier was made from its key (false: it has none). */
function keyIdentifierMethodOf(leaf: Certificate): KeyIdentifierMethod | false {
  const ski = subjectKeyIdentifierOf(leaf);
  if (ski === undefined) return false;
  const sha1 = keyIdentifier(leaf.publicKey, 'sha1');
  return Buffer.compare(sha1, ski) === 0 ? 'sha1' : 'sha256-160';
}
