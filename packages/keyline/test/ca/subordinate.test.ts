import { Certificate, OID, decodeBasicConstraints, isKeylineError, lint, parsePublicKeyInfo } from '@keyline/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import { makeHierarchy, testAuthority, type TestAuthority } from './support/hierarchy.js';

const code = (e: unknown) => (isKeylineError(e) ? e.code : e);

describe('roots and subordinate CAs', () => {
  let t: TestAuthority;
  beforeEach(async () => {
    t = await testAuthority();
  });
  afterEach(async () => t.dispose());

  it('makes a root by the root profile: P-384, self-signed, lint clean, recorded under itself', async () => {
    const root = await t.ca.createRoot({ name: 'Keyline Root R1', organization: 'Keyline' }, CLI_ACTOR);
    const cert = Certificate.fromDer(root.certificateDer!);
    expect(lint(cert, 'root').filter((f) => f.severity === 'error')).toEqual([]);
    expect(parsePublicKeyInfo(cert.spki).curve).toBe('P-384');
    expect(root).toMatchObject({ kind: 'root', label: 'keyline-root-r1', parentId: null, status: 'active' });
    const record = await t.store.certificates.getBySerial(root.id, cert.serialHex);
    expect(record).toMatchObject({ profile: 'root', status: 'valid', fingerprint: root.fingerprint });
    const actions = (await t.store.audit.range(1, await t.store.audit.count())).map((e) => e.action);
    expect(actions).toEqual(['ca.create', 'cert.prepare', 'cert.issue', 'ca.activate']);
  });

  it('keeps labels unique', async () => {
    await t.ca.createRoot({ name: 'Same Name' }, CLI_ACTOR);
    const second = await t.ca.createRoot({ name: 'Same Name' }, CLI_ACTOR);
    expect(second.label).toBe('same-name-2');
    expect(
      code(await t.ca.createRoot({ name: 'Another', label: 'same-name' }, CLI_ACTOR).catch((e: unknown) => e)),
    ).toBe('ERR_CA_LABEL_TAKEN');
    expect(
      code(await t.ca.createRoot({ name: 'Another', label: 'Bad Label' }, CLI_ACTOR).catch((e: unknown) => e)),
    ).toBe('ERR_CA_BAD_INPUT');
  });

  it('refuses bad ceremony input before making a key', async () => {
    const keys = t.keys.uris().length;
    for (const input of [
      { name: '' },
      { name: 'x'.repeat(65) },
      { name: 'Root', validityYears: 26 },
      { name: 'Root', curve: 'P-521' as 'P-256' },
    ]) {
      expect(code(await t.ca.createRoot(input, CLI_ACTOR).catch((e: unknown) => e))).toBe('ERR_CA_BAD_INPUT');
    }
    expect(t.keys.uris().length).toBe(keys);
  });

  it('chains manufacturer (pathLen 1) and issuing (pathLen 0) CAs, registering the manufacturer', async () => {
    const h = await makeHierarchy(t.ca);
    const mfr = Certificate.fromDer(h.manufacturer.certificateDer!);
    const issuing = Certificate.fromDer(h.issuing.certificateDer!);
    expect(mfr.decoded(OID.basicConstraints, decodeBasicConstraints)).toEqual({ ca: true, pathLen: 1 });
    expect(issuing.decoded(OID.basicConstraints, decodeBasicConstraints)).toEqual({ ca: true, pathLen: 0 });
    expect(parsePublicKeyInfo(issuing.spki).curve).toBe('P-256');
    expect(lint(issuing, 'issuing-ca', { issuer: mfr }).filter((f) => f.severity === 'error')).toEqual([]);
    expect(await t.store.manufacturers.get('acme')).toMatchObject({ id: 'acme', name: 'Acme Devices' });
    expect(h.issuing).toMatchObject({ manufacturerId: 'acme', productId: 'sensor-1', parentId: h.manufacturer.id });
    const atParent = await t.store.certificates.getBySerial(h.manufacturer.id, issuing.serialHex);
    expect(atParent?.profile).toBe('issuing-ca');
  });

  it('keeps the hierarchy: root → manufacturer → issuing, one manufacturer per subtree', async () => {
    const h = await makeHierarchy(t.ca);
    const attempts = [
      { parentId: h.manufacturer.id, name: 'Nested Mfr', kind: 'manufacturer' as const, manufacturerId: 'acme' },
      { parentId: h.root.id, name: 'Direct Line', kind: 'issuing' as const, manufacturerId: 'acme' },
      { parentId: h.issuing.id, name: 'Too Deep', kind: 'issuing' as const, manufacturerId: 'acme' },
    ];
    for (const input of attempts)
      expect(code(await t.ca.createCa(input, CLI_ACTOR).catch((e: unknown) => e))).toBe('ERR_CA_WRONG_KIND');
    expect(
      code(
        await t.ca
          .createCa(
            { parentId: h.manufacturer.id, name: 'Globex Line', kind: 'issuing', manufacturerId: 'globex' },
            CLI_ACTOR,
          )
          .catch((e: unknown) => e),
      ),
    ).toBe('ERR_CA_PROFILE_VIOLATION');
    expect(
      code(
        await t.ca
          .createCa(
            {
              parentId: h.root.id,
              name: 'Mfr With Product',
              kind: 'manufacturer',
              manufacturerId: 'x',
              productId: 'p',
            },
            CLI_ACTOR,
          )
          .catch((e: unknown) => e),
      ),
    ).toBe('ERR_CA_BAD_INPUT');
    expect(
      code(
        await t.ca
          .createCa({ parentId: h.root.id, name: 'Bad Id', kind: 'manufacturer', manufacturerId: 'Acme!' }, CLI_ACTOR)
          .catch((e: unknown) => e),
      ),
    ).toBe('ERR_CA_BAD_INPUT');
  });

  it('never lets a CA outlive its parent', async () => {
    const root = await t.ca.createRoot({ name: 'Short Root', validityYears: 3 }, CLI_ACTOR);
    const mfr = await t.ca.createCa(
      { parentId: root.id, name: 'Mfr', kind: 'manufacturer', manufacturerId: 'acme' },
      CLI_ACTOR,
    );
    const rootCert = Certificate.fromDer(root.certificateDer!);
    const cert = Certificate.fromDer(mfr.certificateDer!);
    expect(cert.notAfter.getTime()).toBeLessThanOrEqual(rootCert.notAfter.getTime());
    expect(cert.notAfter.getUTCFullYear() - cert.notBefore.getUTCFullYear()).toBe(3);
    expect(
      code(
        await t.ca
          .createCa(
            { parentId: root.id, name: 'Long', kind: 'manufacturer', manufacturerId: 'acme', validityYears: 10 },
            CLI_ACTOR,
          )
          .catch((e: unknown) => e),
      ),
    ).toBe('ERR_CA_PROFILE_VIOLATION');
  });
});
