import { Certificate, fail } from '@keyline/core';
import { requireCaWrite } from './authorise.js';
import type { AuthorityContext } from './context.js';
import { devicePlan, requireEndEntityIssuer, type DeviceFields } from './device-issue.js';
import { checkRequestId } from './issue-from-csr.js';
import { runIssuanceCycle, type CyclePlan } from './issuance-cycle.js';
import { MAX_SIGNING_THREADS } from './service-port.js';
import type { Actor, IssueResult } from './service-port.js';

/** One device of a factory batch. */
export type DeviceRequest = Omit<DeviceFields, 'chipSerialRecorded'>;

export interface IssueDevicesOptions {
  /**
   * `each` (default): every certificate is linted before it is persisted. `template`: the first of
   * the batch is linted and the rest are trusted to core's DeviceTemplate, which lints a sample at
   * compile time and checks every per-device field as it writes it (see issuance-cycle.ts).
   */
  readonly lint?: 'each' | 'template';
  /**
   * Sign on this many worker threads when the CA's key is a software key (keys/pool/): the pool
   * signs the batch in pieces while the calling thread records the pieces already signed
   * (ca/pipelined-cycle.ts). Default 0: every signature on the calling thread. Token keys always
   * sign on the token.
   */
  readonly signingThreads?: number;
}

/** Most devices one call may issue (one transaction per step covers them all). */
export const MAX_DEVICE_BATCH = 10_000;

/** The signing threads asked for: a whole number from 0 to MAX_SIGNING_THREADS (ERR_CA_BAD_INPUT otherwise). */
function checkThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 0 || threads > MAX_SIGNING_THREADS) {
    fail('ERR_CA_BAD_INPUT', `signingThreads is a whole number from 0 to ${MAX_SIGNING_THREADS}`);
  }
  return threads;
}

/** Whether a stored certificate is for this device key (a P-256 point or SPKI). */
function sameKey(certificateDer: Uint8Array, publicKey: Uint8Array): boolean {
  const cert = Certificate.fromDer(certificateDer);
  return Buffer.compare(publicKey.length === 65 ? cert.publicKey : cert.spki, publicKey) === 0;
}

/**
 * Issues device IDevIDs for keys made inside secure elements on the factory line (no CSR: the
 * line has the key from the element and proves possession by a signed challenge, DESIGN.md
 * "Factory"). The batch goes through the issuance cycle together: every certificate is built from
 * the device template and linted, the batch is persisted in one transaction, signed, checked and
 * recorded in another. Devices whose request id was used before at the CA get that certificate
 * (`reused`) and are not issued again. Results are in input order.
 */
export async function issueDevices(
  ctx: AuthorityContext,
  input: { readonly caId: string; readonly devices: readonly DeviceRequest[] },
  actor: Actor,
  options: IssueDevicesOptions = {},
): Promise<IssueResult[]> {
  if (!Array.isArray(input.devices) || input.devices.length === 0 || input.devices.length > MAX_DEVICE_BATCH) {
    fail('ERR_CA_BAD_INPUT', `a batch has 1 to ${MAX_DEVICE_BATCH} devices`);
  }
  const ca = await ctx.ca(input.caId);
  requireCaWrite(actor, ca, 'issue certificates');
  if (ca.status !== 'active') fail('ERR_CA_NOT_ACTIVE', `CA ${ca.id} is ${ca.status}; only an active CA issues`);
  requireEndEntityIssuer(ca, 'device');
  await ctx.requireUnrevokedChain(ca);
  const results: (IssueResult | undefined)[] = new Array(input.devices.length);
  const plans: CyclePlan[] = [];
  const positions: number[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < input.devices.length; i++) {
    const device = input.devices[i]!;
    const requestId = checkRequestId(device.requestId ?? undefined);
    if (requestId !== undefined) {
      if (seen.has(requestId)) fail('ERR_CA_BAD_INPUT', `request id "${requestId}" appears twice in the batch`);
      seen.add(requestId);
      const existing = await ctx.store.certificates.getByRequestId(ca.id, requestId);
      if (existing !== undefined) {
        if (existing.status === 'reserved' || existing.status === 'signing') fail('ERR_CA_REQUEST_PENDING');
        if (existing.der === null) fail('ERR_CA_REQUEST_FAILED', undefined, { requestId });
        if (!sameKey(existing.der, device.publicKey)) fail('ERR_CA_REQUEST_ID_CONFLICT', undefined, { requestId });
        results[i] = { record: existing, reused: true };
        continue;
      }
    }
    plans.push(await devicePlan(ctx, ca, { ...device, requestId: requestId ?? null, chipSerialRecorded: true }));
    positions.push(i);
  }
  if (plans.length > 0) {
    const issued = await runIssuanceCycle(ctx, {
      caId: ca.id,
      issuer: ctx.certificateOf(ca),
      signer: await ctx.signer(ca.keyUri),
      actor,
      plans,
      lint: options.lint ?? 'each',
      ...(options.signingThreads !== undefined && { signingThreads: checkThreads(options.signingThreads) }),
    });
    issued.forEach((item, k) => {
      results[positions[k]!] = { record: item.record, reused: false };
    });
  }
  return results as IssueResult[];
}
