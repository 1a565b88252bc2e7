export { Certificate } from './certificate.js';
export { readExtensions, readExtensionList } from './extensions.js';
export { readSerialNumber } from './serial.js';
export * from './builder.js';
