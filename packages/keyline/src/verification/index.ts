/** Device verification on every core: a worker-thread pool running verifyDevice's checks. */
export { DeviceVerifierPool, type DeviceVerifierPoolOptions, type PooledVerifyOptions } from './verifier-pool.js';
