/** Caches that carry work across `verifyChain` calls without changing any verdict. */
export {
  ValidationCache,
  DEFAULT_VALIDATION_CACHE_ENTRIES,
  DEFAULT_VALIDATION_CACHE_CERTIFICATES,
} from './validation-cache.js';
export type { ValidationCacheOptions, ValidationCacheStats } from './validation-cache.js';
