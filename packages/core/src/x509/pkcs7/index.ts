export { OID_DATA, OID_SIGNED_DATA, decodeCertsOnly, encodeCertsOnly, type CertsOnly } from './certs-only.js';
