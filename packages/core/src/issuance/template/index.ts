export { DeviceTemplate, type DeviceTemplateTuning } from './device-template.js';
export { deviceTemplateShapes, templateOptionsOf } from './device-shapes.js';
export type { DeviceTemplateOptions, DeviceSpec } from './device-spec.js';
export { deviceCertificateFields, P256_SPKI_PREFIX, type DeviceCertificateInput } from './device-input.js';
