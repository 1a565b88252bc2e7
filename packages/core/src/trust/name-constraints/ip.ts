/**
 * iPAddress constraints (RFC 5280 4.2.1.10): the address followed by its mask, 8 octets for IPv4
 * and 32 for IPv6 (the CIDR `192.0.2.0/24` is `C0 00 02 00 FF FF FF 00`).
 */
export interface IpConstraint {
  /** The address with the bits outside the mask cleared. */
  readonly network: Uint8Array;
  readonly mask: Uint8Array;
  readonly prefixLength: number;
}

/**
 * Parses an iPAddress constraint, or undefined when malformed: a length other than 8 or 32, or a
 * mask that is not a prefix (ones then zeros: `255.0.255.0` is refused, as x509-limbo's
 * `invalid-ipv4-address` expects). Address bits outside the mask are cleared, not refused.
 */
export function parseIpConstraint(value: Uint8Array): IpConstraint | undefined {
  if (value.length !== 8 && value.length !== 32) return undefined;
  const half = value.length / 2;
  const mask = value.slice(half);
  let prefixLength = 0;
  let seenZero = false;
  for (const octet of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const one = ((octet >> bit) & 1) === 1;
      if (one && seenZero) return undefined;
      if (one) prefixLength++;
      else seenZero = true;
    }
  }
  const network = value.slice(0, half).map((octet, i) => octet & mask[i]!);
  return { network, mask, prefixLength };
}

/** Whether an address name (4 or 16 octets) is within an iPAddress subtree; a v4 subtree holds no v6 address. */
export function ipWithin(address: Uint8Array, constraint: IpConstraint): boolean {
  if (address.length !== constraint.network.length) return false;
  for (let i = 0; i < address.length; i++) {
    if ((address[i]! & constraint.mask[i]!) !== constraint.network[i]) return false;
  }
  return true;
}
