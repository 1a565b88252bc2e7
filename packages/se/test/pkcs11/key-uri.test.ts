import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Element } from '../../src/index.js';
import { expectCode } from '../helpers.js';
import { createSoftHsm, RUN_SOFTHSM, SOFTHSM_MODULE, USER_PIN, type SoftHsm } from './softhsm.js';

describe.skipIf(!RUN_SOFTHSM)('Pkcs11Element.keyUri (RFC 7512), for OpenSSL pkcs11 engine users', () => {
  let hsm: SoftHsm;
  beforeAll(() => {
    hsm = createSoftHsm();
  });
  afterAll(() => hsm.cleanup());

  it('names the key object of a slot, percent-encodes the label, adds the PIN only when asked', async () => {
    const label = hsm.initToken(`uri; a/b?c ${process.pid}`);
    const element = await Pkcs11Element.open({ modulePath: SOFTHSM_MODULE, tokenLabel: label, pin: USER_PIN });
    try {
      expect(element.tokenLabel).toBe(label);
      expect(element.modulePath).toBe(SOFTHSM_MODULE);
      const token = `uri%3B%20a%2Fb%3Fc%20${process.pid}`;
      expect(element.keyUri(0)).toBe(`pkcs11:token=${token};object=keyline-slot-0;type=private`);
      expect(element.keyUri(2, { pin: true })).toBe(
        `pkcs11:token=${token};object=keyline-slot-2;type=private?pin-value=${USER_PIN}`,
      );
      expect(() => element.keyUri(8)).toThrow(expect.objectContaining({ code: 'ERR_SE_NOT_A_KEY_SLOT' }));
      await expectCode(
        Promise.resolve().then(() => element.keyUri(16)),
        'ERR_SE_OUT_OF_RANGE',
      );
    } finally {
      await element.close();
    }
  });
});
