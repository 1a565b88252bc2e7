import { parseDer } from '../../x509/der/validate.js';
import * as der from '../../x509/der/writer.js';
import type { GeneralName } from '../../x509/extensions/types.js';
import { namesEqual } from '../../x509/name/compare.js';
import { readName } from '../../x509/name/parse.js';
import type { Name } from '../../x509/name/types.js';

/**
 * The names a DistributionPointName stands for (RFC 5280 4.2.1.13): its fullName, or, for
 * nameRelativeToCRLIssuer, the directoryName made by appending that RDN to `relativeTo` (the CRL
 * issuer's name).
 */
export function distributionPointNames(
  point: { readonly fullName?: readonly GeneralName[]; readonly nameRelativeToCRLIssuer?: Uint8Array },
  relativeTo: Name,
): readonly GeneralName[] {
  if (point.fullName !== undefined) return point.fullName;
  if (point.nameRelativeToCRLIssuer === undefined) return [];
  const rdnTlv = parseDer(point.nameRelativeToCRLIssuer);
  const rdnSet = der.tlv(0x31, point.nameRelativeToCRLIssuer.subarray(rdnTlv.valueStart, rdnTlv.end));
  const issuerTlv = parseDer(relativeTo.der);
  const combined = der.seq(relativeTo.der.subarray(issuerTlv.valueStart, issuerTlv.end), rdnSet);
  return [{ type: 'directoryName', value: readName(combined, parseDer(combined)) }];
}

/** True when some name of `a` equals some name of `b` (RFC 5280 6.3.3 (b)(2)(i) "matches"). */
export function generalNamesIntersect(a: readonly GeneralName[], b: readonly GeneralName[]): boolean {
  return a.some((x) => b.some((y) => generalNamesEqual(x, y)));
}

function generalNamesEqual(a: GeneralName, b: GeneralName): boolean {
  switch (a.type) {
    case 'directoryName':
      return b.type === 'directoryName' && namesEqual(a.value, b.value);
    case 'dns':
      return b.type === 'dns' && a.value.toLowerCase() === b.value.toLowerCase();
    case 'email':
    case 'uri':
    case 'registeredId':
      return b.type === a.type && a.value === b.value;
    case 'ip':
      return b.type === 'ip' && Buffer.compare(a.value, b.value) === 0;
    case 'otherName':
      return b.type === 'otherName' && a.typeId === b.typeId && Buffer.compare(a.value, b.value) === 0;
    default:
      return b.type === a.type && Buffer.compare(a.raw, (b as { raw: Uint8Array }).raw) === 0;
  }
}
