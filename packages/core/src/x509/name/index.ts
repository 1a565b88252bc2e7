export * from './types.js';
export { readName } from './parse.js';
export * from './attribute-types.js';
export * from './encode.js';
export * from './format.js';
export * from './from-string.js';
export * from './compare.js';
