/**
 * Name constraints of RFC 5280 4.2.1.10 as path validation applies them (6.1.3 (b), (c) and
 * 6.1.4 (g)): a state that accumulates the permitted and excluded subtrees of the CA certificates
 * of a path, and checks the names of each following certificate against it. Pure: inputs are
 * decoded values; thin adapters read them from a Certificate.
 */
export { NameConstraintsState } from './state.js';
export { nameConstraintsOf, nameConstraintsInputOf } from './certificate.js';
export {
  DEFAULT_NAME_CONSTRAINTS_LIMITS,
  type NameConstraintsCheckInput,
  type NameConstraintsErrorCode,
  type NameConstraintsLimits,
  type NameConstraintsResult,
} from './types.js';
