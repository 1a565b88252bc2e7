import { afterAll, describe } from 'vitest';
import { Pkcs11Element } from '../../src/index.js';
import { describeSecureElementContract } from '../contract.js';
import { createSoftHsm, freshLabel, RUN_SOFTHSM, SOFTHSM_MODULE, USER_PIN, type SoftHsm } from './softhsm.js';

// The PKCS#11 element keeps the emulator's PROVISIONING_LAYOUT slot numbers and rules, so the contract
// runs with its default layout and no case skipped.
describe.skipIf(!RUN_SOFTHSM)('Pkcs11Element on SoftHSM2', () => {
  let hsm: SoftHsm | undefined;
  afterAll(() => hsm?.cleanup());

  describeSecureElementContract('PKCS#11 element, a fresh SoftHSM2 token per test', async () => {
    hsm ??= createSoftHsm();
    const tokenLabel = hsm.initToken(freshLabel('contract'));
    const element = await Pkcs11Element.open({ modulePath: SOFTHSM_MODULE, tokenLabel, pin: USER_PIN });
    return { element };
  });
});
