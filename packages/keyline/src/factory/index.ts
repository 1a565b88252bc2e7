/**
 * factory/ — the provisioning line (docs/factory.md): batches of chips from an emulator tray or
 * PKCS#11 tokens, K stations at once, the per-chip journal in the store, issuance through the CA
 * core, compressed certificates written into the chips, a challenge and a byte-exact rebuild per
 * chip, quarantine, and the signed manifest of the batch.
 */
export { runFactoryBatch, deriveBatchId, type FactoryDeps, type FactoryCrashPoint } from './run.js';
export type { FactoryRunOptions, FactoryReport, FactoryProgress, QuarantinedChip } from './options.js';
export { DEFAULT_STATIONS, MAX_BATCH_COUNT, MAX_STATIONS, MAX_THREADS } from './options.js';
export { prepareBatchChain, definitionForCa, type BatchChain } from './chain.js';
export { openChipSource, type ChipSource } from './elements.js';
export { StationPool } from './station-pool.js';
export { canTransition, transition, requestIdFor, isFinal } from './journal.js';
export { chainDefinitionPath, jwkOfPoint } from './manifest-output.js';
