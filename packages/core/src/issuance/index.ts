export { randomSerial, SERIAL_OCTETS } from './serial.js';
export { rootCertificateFields, subordinateCaFields, type RootRecipe, type SubordinateCaRecipe } from './ca-fields.js';
export { issueCertificate, type IssuedCertificate } from './issue.js';
export * from './template/index.js';
export * from './compressed/index.js';
