export * from './tags.js';
export * from './limits.js';
export * from './tlv.js';
export { DerCursor } from './cursor.js';
export * from './primitives.js';
export * from './time.js';
export * from './strings.js';
export { parseDer } from './validate.js';
export * as der from './writer.js';
