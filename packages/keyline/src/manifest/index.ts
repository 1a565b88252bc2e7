/**
 * The signed factory manifest (docs/manifest.md): a streaming writer, a streaming verifier and
 * single-entry inclusion proofs over an RFC 9162 Merkle tree whose signed root closes the file.
 */
export {
  MANIFEST_TYPE,
  MANIFEST_VERSION,
  type DeviceEntry,
  type DeviceEntryInput,
  type ManifestHeader,
  type ManifestHeaderInput,
  type ManifestRoot,
  type PublicJwk,
} from './format.js';
export { jwkFromSpki } from './jwk.js';
export { createManifestWriter, type ManifestWriter, type ManifestWriterOptions } from './writer.js';
export {
  verifyManifest,
  type ManifestInvalid,
  type ManifestValid,
  type ManifestVerifyResult,
  type VerifyManifestOptions,
} from './verify.js';
export {
  inclusionProof,
  verifyInclusionProof,
  type InclusionProof,
  type InclusionProofResult,
  type VerifyProofOptions,
} from './proof.js';
