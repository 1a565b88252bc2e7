import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NameConstraintsState,
  nameConstraintsInputOf,
  nameConstraintsOf,
} from '../../../src/trust/name-constraints/index.js';
import { verifyChain } from '../../../src/trust/verify-chain.js';
import { Certificate } from '../../../src/x509/certificate/certificate.js';
import * as der from '../../../src/x509/der/writer.js';
import { OpensslChain, derHex } from './openssl-chain.js';

/**
 * Issue 2 section 6: certificates whose names, under name constraints of the same form, are
 * x400Address, ediPartyName or an unknown otherName are refused as unsupported rather than
 * half-compared. Real certificates (made by openssl, the extension values placed byte for byte),
 * decoded by Keyline and judged by the name-constraint state and by verifyChain.
 */
const X400 = der.tlv(0xa3, der.seq()); // [3] IMPLICIT ORAddress: an empty BuiltInStandardAttributes
const EDI = der.tlv(0xa5, der.explicit(1, der.utf8('Acme EDI'))); // [5] { partyName [1] DirectoryString }
const PRIVATE_OTHER = der.tlv(0xa0, der.concat([der.oid('1.3.6.1.4.1.55738.666.3'), der.explicit(0, der.utf8('x'))]));
const DNS_OK = der.tlv(0x82, Uint8Array.from(Buffer.from('device.example.com')));

function excludedSubtree(base: Uint8Array): string {
  return `2.5.29.30 = critical,DER:${derHex(der.seq(der.tlv(0xa1, der.seq(base))))}`;
}

function san(...names: Uint8Array[]): string {
  return `2.5.29.17 = DER:${derHex(der.seq(...names))}`;
}

const FIXTURES = [
  { defect: 'x400Address name under an x400Address constraint', form: X400 },
  { defect: 'ediPartyName under an ediPartyName constraint', form: EDI },
  { defect: 'unknown otherName under a constraint of its type', form: PRIVATE_OTHER },
];

let pki: OpensslChain;

beforeAll(() => {
  pki = new OpensslChain();
});

afterAll(() => pki.dispose());

describe('unsupported name forms under name constraints (real certificates)', () => {
  it.each(FIXTURES.map((f, i) => [f.defect, f, i] as const))('refuses a %s', async (_defect, fixture, i) => {
    const root = pki.root(`root${i}`, `/CN=Root ${i}`);
    const ca = pki.issue(`ca${i}`, `root${i}`, `/CN=Constrained CA ${i}`, {
      ca: true,
      extensions: excludedSubtree(fixture.form),
    });
    const leaf = pki.issue(`leaf${i}`, `ca${i}`, `/CN=Leaf ${i}`, { ca: false, extensions: san(DNS_OK, fixture.form) });
    const harmless = pki.issue(`harmless${i}`, `ca${i}`, `/CN=Harmless ${i}`, { ca: false, extensions: san(DNS_OK) });

    const state = new NameConstraintsState();
    expect(state.apply(nameConstraintsOf(Certificate.fromPem(ca))!)).toEqual({ ok: true });
    expect(state.check(nameConstraintsInputOf(Certificate.fromPem(leaf), false))).toMatchObject({
      ok: false,
      code: 'ERR_NC_UNSUPPORTED_NAME_FORM',
    });
    // The same constraint with no name of its form in sight is harmless (x509-limbo nc-forbids-othername-noop).
    expect(state.check(nameConstraintsInputOf(Certificate.fromPem(harmless), false))).toEqual({ ok: true });

    const refused = await verifyChain({ leaf, intermediates: [ca], trustAnchors: [root] });
    expect(refused).toMatchObject({ ok: false, code: 'ERR_NC_UNSUPPORTED_NAME_FORM' });
    const accepted = await verifyChain({ leaf: harmless, intermediates: [ca], trustAnchors: [root] });
    expect(accepted.ok).toBe(true);
  });
});
