import { isKeylineError } from '@keyline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import { deviceCsr, makeHierarchy, testAuthority, type Hierarchy, type TestAuthority } from './support/hierarchy.js';

const code = (e: unknown) => (isKeylineError(e) ? e.code : e);

describe('revocation', () => {
  let t: TestAuthority;
  let h: Hierarchy;
  beforeAll(async () => {
    t = await testAuthority();
    h = await makeHierarchy(t.ca);
  });
  afterAll(async () => t?.dispose());

  const issue = async (chip: string) =>
    (await t.ca.issue({ caId: h.issuing.id, csrDer: await deviceCsr(chip), profile: 'device' }, CLI_ACTOR)).record;

  it('revokes with an RFC 5280 reason, at the current time, with an audit entry', async () => {
    const record = await issue('10101010');
    t.clock.advance(60_000);
    const revoked = await t.ca.revoke(
      { caId: h.issuing.id, serialHex: record.serialHex.toUpperCase(), reason: 'superseded' },
      CLI_ACTOR,
    );
    expect(revoked).toMatchObject({ status: 'revoked', revocationReason: 'superseded' });
    expect(revoked.revokedAt?.getTime()).toBe(Math.floor(t.clock.now().getTime() / 1000) * 1000);
    const last = await t.store.audit.last();
    expect(last).toMatchObject({ action: 'cert.revoke', target: `${h.issuing.id}:${record.serialHex}` });
    expect(last?.details).toMatchObject({ reason: 'superseded' });
  });

  it('accepts serials written with colons or 0x', async () => {
    const record = await issue('20202020');
    const colons = record.serialHex.match(/../g)!.join(':');
    expect(
      (await t.ca.revoke({ caId: h.issuing.id, serialHex: colons, reason: 'keyCompromise' }, CLI_ACTOR)).status,
    ).toBe('revoked');
    const other = await issue('30303030');
    expect(
      (await t.ca.revoke({ caId: h.issuing.id, serialHex: `0x${other.serialHex}`, reason: 'unspecified' }, CLI_ACTOR))
        .status,
    ).toBe('revoked');
  });

  it('refuses a second revocation, unknown serials, serials of another CA and bad input', async () => {
    const record = await issue('40404040');
    await t.ca.revoke({ caId: h.issuing.id, serialHex: record.serialHex, reason: 'keyCompromise' }, CLI_ACTOR);
    const attempts: [string, Parameters<typeof t.ca.revoke>[0]][] = [
      ['ERR_CA_ALREADY_REVOKED', { caId: h.issuing.id, serialHex: record.serialHex, reason: 'keyCompromise' }],
      [
        'ERR_CA_CERTIFICATE_NOT_FOUND',
        { caId: h.issuing.id, serialHex: '7fffffffffffffffffffffffffffffff', reason: 'keyCompromise' },
      ],
      [
        'ERR_CA_CERTIFICATE_NOT_FOUND',
        { caId: h.manufacturer.id, serialHex: record.serialHex, reason: 'keyCompromise' },
      ],
      ['ERR_CA_BAD_INPUT', { caId: h.issuing.id, serialHex: 'not-hex', reason: 'keyCompromise' }],
      ['ERR_CA_BAD_INPUT', { caId: h.issuing.id, serialHex: record.serialHex, reason: 'removeFromCRL' }],
      ['ERR_CA_BAD_INPUT', { caId: h.issuing.id, serialHex: record.serialHex, reason: 'certificateHold' }],
      ['ERR_CA_BAD_INPUT', { caId: h.issuing.id, serialHex: record.serialHex, reason: 'lostIt' as 'superseded' }],
      ['ERR_CA_NOT_FOUND', { caId: 'ca_missing', serialHex: record.serialHex, reason: 'keyCompromise' }],
    ];
    for (const [expected, input] of attempts)
      expect(code(await t.ca.revoke(input, CLI_ACTOR).catch((e: unknown) => e))).toBe(expected);
  });

  it('retires a CA whose certificate is revoked: it issues nothing more', async () => {
    const line = await t.ca.createCa(
      { parentId: h.manufacturer.id, name: 'Line To Retire', kind: 'issuing', manufacturerId: 'acme', productId: 'p2' },
      CLI_ACTOR,
    );
    const serial = (await t.store.certificates.search({ caId: h.manufacturer.id, status: 'valid' })).items.find(
      (r) => r.fingerprint === line.fingerprint,
    )!.serialHex;
    await t.ca.revoke({ caId: h.manufacturer.id, serialHex: serial, reason: 'cessationOfOperation' }, CLI_ACTOR);
    expect((await t.store.cas.get(line.id))?.status).toBe('retired');
    expect(
      code(
        await t.ca
          .issue({ caId: line.id, csrDer: await deviceCsr(), profile: 'device' }, CLI_ACTOR)
          .catch((e: unknown) => e),
      ),
    ).toBe('ERR_CA_NOT_ACTIVE');
    // It still signs CRLs for what it issued.
    expect((await t.ca.generateCrl({ caId: line.id }, CLI_ACTOR)).caId).toBe(line.id);
  });
});
