import {
  Certificate,
  KeylineError,
  isKeylineError,
  signatureAlgorithmByName,
  verifyChainSync,
  verifySignature,
  type CertificateInput,
} from '@keyline/core';
import { signedRootMessage, type ManifestRoot } from './format.js';

/**
 * Checks the root line's signature: the signer certificate chains to the trust root through the
 * header's issuing CA (it is that CA, or a certificate it issued), and its key signed
 * `signedRootMessage`. Throws ERR_MANIFEST_SIGNER_UNTRUSTED or ERR_MANIFEST_SIGNATURE_INVALID.
 */
export function checkRootSignature(
  root: ManifestRoot,
  issuerChain: readonly Uint8Array[],
  trustRoot: CertificateInput | readonly CertificateInput[],
  time: Date,
): void {
  let signer: Certificate;
  try {
    signer = Certificate.fromDer(root.signerCertificate);
  } catch {
    throw new KeylineError('ERR_MANIFEST_SIGNER_UNTRUSTED', 'the signer certificate does not decode');
  }
  const result = verifyChainSync({ leaf: signer, intermediates: [...issuerChain], trustAnchors: trustRoot, time });
  if (!result.ok) {
    throw new KeylineError(
      'ERR_MANIFEST_SIGNER_UNTRUSTED',
      `the signer certificate does not chain to the trust root (${result.code}: ${result.message})`,
    );
  }
  const issuing = issuerChain[0];
  if (issuing === undefined || !result.chain.some((c) => Buffer.from(c.der).equals(Buffer.from(issuing)))) {
    throw new KeylineError(
      'ERR_MANIFEST_SIGNER_UNTRUSTED',
      "the signer is not the header's issuing CA nor issued by it",
    );
  }
  let valid: boolean;
  try {
    valid = verifySignature({
      algorithm: signatureAlgorithmByName(root.algorithm),
      publicKey: signer.spki,
      data: signedRootMessage(root.count, root.treeHead, root.headerHash),
      signature: root.signature,
    });
  } catch (error) {
    if (!isKeylineError(error)) throw error;
    valid = false;
  }
  if (!valid) throw new KeylineError('ERR_MANIFEST_SIGNATURE_INVALID', "the root line's signature does not verify");
}
