/**
 * SoftHSM2 for the keyline package's tests: the same set-up as @keyline/se's PKCS#11 tests
 * (keyline may depend on se, so its tests may use se's test support as they use core's fixtures).
 * SoftHSM reads SOFTHSM2_CONF at C_Initialize: create it before the first provider opens a
 * pkcs11: key, and close every provider before the next test file sets another.
 */
export {
  createSoftHsm,
  REQUIRE_SERVICES,
  RUN_SOFTHSM,
  SOFTHSM_MODULE,
  softHsmAvailable,
  type SoftHsm,
} from '../../../../se/test/pkcs11/softhsm.js';
