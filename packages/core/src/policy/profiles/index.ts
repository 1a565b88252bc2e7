import { DEVICE_PROFILE } from './device.js';
import { ISSUING_CA_PROFILE } from './issuing-ca.js';
import { LDEVID_PROFILE } from './ldevid.js';
import { MANUFACTURER_CA_PROFILE } from './manufacturer-ca.js';
import { OCSP_SIGNER_PROFILE } from './ocsp-signer.js';
import { ROOT_PROFILE } from './root.js';
import type { Profile, ProfileName } from './types.js';

export * from './types.js';
export { detectProfile } from './detect.js';
export {
  DEVICE_PROFILE,
  ISSUING_CA_PROFILE,
  LDEVID_PROFILE,
  MANUFACTURER_CA_PROFILE,
  OCSP_SIGNER_PROFILE,
  ROOT_PROFILE,
};

/** The profiles of the Keyline Ecosystem Certificate Policy v1, by name (KECP section 5). */
export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  root: ROOT_PROFILE,
  'manufacturer-ca': MANUFACTURER_CA_PROFILE,
  'issuing-ca': ISSUING_CA_PROFILE,
  device: DEVICE_PROFILE,
  ldevid: LDEVID_PROFILE,
  'ocsp-signer': OCSP_SIGNER_PROFILE,
};
