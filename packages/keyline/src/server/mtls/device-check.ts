import {
  verifyDevice,
  type CertificateInput,
  type ChallengeStore,
  type Clock,
  type RevocationSource,
  type ValidationCache,
  type VerifyDeviceResult,
} from '@keyline/core';

/** How devices are checked: the trust anchors, the time, and where revocation comes from. */
export interface DeviceCheckOptions {
  /** The ecosystem root(s) a device must chain to. */
  readonly trustAnchors: CertificateInput | readonly CertificateInput[];
  /** The verification time comes from here (DESIGN.md: time is injected). */
  readonly clock: Clock;
  /** Revocation: the data directory's records (`LocalRevocation`), CRLs or OCSP; none when absent. */
  readonly revocation?: RevocationSource;
  /** Whom `revocation` is asked about: the device certificate (default) or every certificate but the anchor. */
  readonly revocationScope?: 'leaf' | 'chain';
  /** Verified intermediates, shared across calls (issue 5 section 2). */
  readonly cache?: ValidationCache;
}

/** What one check is about: an attestation token with its challenge and audience, or a TLS client's chain. */
export type DeviceCheckInput =
  | {
      readonly token: string;
      readonly challenge?: { readonly nonce: string } | { readonly store: ChallengeStore };
      readonly audience?: string;
    }
  | { readonly chain: readonly Uint8Array[] };

/**
 * verifyDevice at the clock's time: one answer shape for the verification service, the CLI and
 * the mutual-TLS helper (a refusal is `{ ok: false, code, message }`, never an exception).
 */
export async function checkDevice(options: DeviceCheckOptions, input: DeviceCheckInput): Promise<VerifyDeviceResult> {
  const common = {
    trustAnchors: options.trustAnchors,
    time: options.clock.now(),
    ...(options.revocation === undefined ? {} : { revocation: options.revocation }),
    ...(options.revocationScope === undefined ? {} : { revocationScope: options.revocationScope }),
    ...(options.cache === undefined ? {} : { cache: options.cache }),
  };
  if ('chain' in input) return verifyDevice({ ...common, chain: input.chain });
  return verifyDevice({
    ...common,
    token: input.token,
    ...(input.challenge === undefined ? {} : { challenge: input.challenge }),
    ...(input.audience === undefined ? {} : { audience: input.audience }),
  });
}
