import { createHash } from 'node:crypto';
import {
  Certificate,
  KeylineError,
  assembleCertificate,
  encodeSignatureAlgorithm,
  fail,
  isKeylineError,
  Tag,
  encodingOf,
  lint,
  readTlv,
  type Finding,
  type LintTarget,
  type ProfileName,
  type RandomSource,
  type Signer,
} from '@keyline/core';
import type { AuthorityContext } from './context.js';
import { newId } from './ids.js';
import type { CertificateRecord } from './records.js';
import { allocateSerial, type AllocatedSerial } from './serial.js';
import type { Actor } from './service-port.js';
import { runPipelinedCycle } from './pipelined-cycle.js';
import type { NewCertificate, NewPreparedCertificate, Store } from './store-port.js';

/**
 * The issuance cycle (DESIGN.md, "Habits"; Let's Encrypt's boulder does the same), the only way
 * Keyline signs a certificate:
 *
 *   1. allocate a 128-bit serial from the injected random source and persist it (`reserve`);
 *   2. build the TBS and lint it against the profile, with the issuer (refused: nothing is kept);
 *   3. persist the exact TBS bytes about to be signed (`markSigning`);
 *   4. sign exactly those bytes, once, through the Signer;
 *   5. check the signed certificate is SEQUENCE { the persisted TBS byte for byte, the signature
 *      algorithm, a BIT STRING } (the TBS was decoded and linted at 2; it is not decoded again);
 *   6. `markValid` and the audit entry, in one transaction.
 *
 * Steps 1–3 run in one transaction: the serial row is written before the TBS is built, but a
 * refusal at step 2 rolls it back, so a refused request leaves the database unchanged (issue 3:
 * "bad requests leave the database unchanged"). Nothing is signed before that transaction has
 * committed, so the store knows of every signature. A crash after it leaves a `signing` record,
 * which `recover` fails and lists as revoked (see recovery.ts); a failure Keyline sees (the signer
 * throws, the check at 5 fails, the store refuses 6) does the same at once, best effort.
 *
 * A batch (several plans, the factory line's `issueDevices`) keeps the same guarantees with less
 * work per certificate: serials are allocated and every TBS built and linted before any write (a
 * refusal writes nothing), then one transaction stores every certificate with its serial and TBS
 * as `signing` — one row write each through the store's `prepareMany`, else reserve and mark
 * signing in bulk — with one audit entry; the batch is signed only after that commit, checked, and
 * recorded `valid` with one audit entry in a second transaction. Since the check at 5 proved that
 * each DER holds the persisted TBS, the store then keeps the TBS only inside the DER
 * (`markValidMany` with `tbsInDer`); `signing` records, all recovery needs, keep theirs.
 *
 * With `signingThreads` and a signer that has a pool of worker threads (software keys), a batch
 * runs through pipelined-cycle.ts instead: the same steps and transactions, the pool signing the
 * batch in pieces while this thread records the pieces already signed.
 */

/** One certificate to issue. */
export interface CyclePlan {
  readonly profile: ProfileName;
  /** RFC 4514 rendering of the subject, for the record. */
  readonly subject: string;
  readonly deviceId?: string | null;
  readonly chipSerial?: string | null;
  readonly requestId?: string | null;
  /** Builds the TBS (signature algorithm included) around `serial`. */
  buildTbs(serial: AllocatedSerial): Uint8Array;
  /** Extra audit details for this certificate. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** The validity the TBS will carry, when known without decoding it (needed with `lint: 'template'`). */
  readonly validity?: { readonly notBefore: Date; readonly notAfter: Date };
  /**
   * A serial fixed by the plan instead of a random one (compressible device certificates derive it
   * from the key and dates, see core's `deriveDeviceSerial`). A collision is not retried.
   */
  readonly serial?: AllocatedSerial;
}

export interface CycleRequest {
  /** The issuing CA: the records' `caId` (for a root's own certificate, the root itself). */
  readonly caId: string;
  /** The issuer's certificate for the lint rules that relate the two; undefined for a self-signed root. */
  readonly issuer: LintTarget | undefined;
  readonly signer: Signer;
  readonly actor: Actor;
  readonly plans: readonly CyclePlan[];
  /** Runs first in the reservation transaction (e.g. inserting the CA a certificate is for). */
  readonly before?: (tx: Store) => Promise<void>;
  /** Runs last in the final transaction, with the issued certificates (e.g. activating that CA). */
  readonly after?: (tx: Store, issued: readonly IssuedCertificate[]) => Promise<void>;
  /**
   * `each` (the default): every TBS is decoded and linted before it is persisted. `template`: for
   * batches built by core's DeviceTemplate, whose compile step lints a sample against the profile
   * and whose writer checks every per-device field against the rules that could vary (KECP 4.1,
   * 4.3, 4.4, 6.1): the first TBS of the batch is linted, the others are trusted to the template.
   * Every plan must give its `validity` then. In both modes signed certificates are checked
   * structurally, their TBS compared byte for byte with the persisted one (step 5).
   */
  readonly lint?: 'each' | 'template';
  /**
   * Sign a batch on this many worker threads when the signer offers a pool (software keys,
   * keys/pool/): the pool signs the batch in pieces while this thread records the pieces already
   * signed (pipelined-cycle.ts). Undefined or 0: every signature on this thread.
   */
  readonly signingThreads?: number;
}

type SignerPool = NonNullable<ReturnType<NonNullable<PoolSigner['signingPool']>>>;

/** A signer that can sign on worker threads (keys/ gives software keys one). */
export interface PoolSigner extends Signer {
  signingPool?(threads: number): {
    readonly threads: number;
    signMany(messages: readonly Uint8Array[]): Promise<Uint8Array[]>;
  };
}

export interface IssuedCertificate {
  readonly record: CertificateRecord;
  /** The certificate's DER (as recorded). */
  readonly der: Uint8Array;
  /** SHA-256 of the DER, lower-case hex. */
  readonly fingerprint: string;
  /** The decoded certificate (decoded on first use). */
  readonly certificate: Certificate;
  /** Warnings and notices the linter left (errors refuse the issuance instead). */
  readonly findings: readonly Finding[];
}

/** A certificate between steps 3 and 6. */
export interface Prepared {
  readonly plan: CyclePlan;
  readonly record: CertificateRecord;
  readonly tbs: Uint8Array;
  readonly findings: readonly Finding[];
}

/** A certificate between steps 4 and 6. */
export interface Signed {
  readonly prepared: Prepared;
  readonly der: Uint8Array;
  readonly fingerprint: string;
}

/** Attempts at step 1 when the store reports a unique-key collision (a repeated serial). */
const RESERVE_ATTEMPTS = 4;

const EMPTY_SIGNATURE = new Uint8Array(0);

/**
 * Runs the cycle for `request.plans`, all under one issuer and signer. Each step covers the whole
 * batch in one transaction, so a batch of devices costs two commits, not two per device. Returns
 * the issued certificates in plan order, or throws: ERR_CA_PROFILE_VIOLATION (with the findings)
 * when any plan does not lint clean (nothing persisted, nothing signed), the signer's error, or
 * ERR_CA_SIGNED_TBS_MISMATCH.
 */
export async function runIssuanceCycle(ctx: AuthorityContext, request: CycleRequest): Promise<IssuedCertificate[]> {
  if (request.plans.length === 0) return [];
  const algorithm = encodeSignatureAlgorithm(request.signer.algorithm);
  const strict = (request.lint ?? 'each') === 'each';
  const pool = poolFor(request);
  if (pool !== undefined) return runPipelinedCycle(ctx, request, algorithm, strict, pool);
  const prepared = await reserveAndPrepare(ctx, request, algorithm, strict);
  for (const p of prepared) ctx.inFlight.add(p.record.id);
  try {
    const signed: Signed[] = [];
    for (const p of prepared) {
      let signature: Uint8Array;
      try {
        // Step 4: exactly the persisted bytes, once.
        const { signer } = request;
        signature = signer.signSync !== undefined ? signer.signSync(p.tbs) : await signer.sign(p.tbs);
      } catch (error) {
        // Conservative: the whole batch is failed (a persisted TBS means listed as revoked),
        // including any certificate already signed, which is dropped with it.
        await failRecords(ctx, request.actor, prepared, 'the signer failed', error);
        throw error;
      }
      signed.push(checkSigned(p, assembleCertificate(p.tbs, algorithm, signature), algorithm));
    }
    return await finish(ctx, request, signed);
  } catch (error) {
    if (isKeylineError(error, 'ERR_CA_SIGNED_TBS_MISMATCH')) {
      await failRecords(ctx, request.actor, prepared, 'the signed TBS differs from the linted one', error);
    }
    throw error;
  } finally {
    for (const p of prepared) ctx.inFlight.delete(p.record.id);
  }
}

/**
 * The signer's pool when the request asks for one and can use it: a batch without `before` and
 * `after` hooks (those belong to one transaction each) and a signer that has a pool.
 */
function poolFor(request: CycleRequest): SignerPool | undefined {
  const threads = request.signingThreads ?? 0;
  if (threads <= 0 || request.plans.length < 2) return undefined;
  if (request.before !== undefined || request.after !== undefined) return undefined;
  const signer = request.signer as PoolSigner;
  return signer.signingPool?.(threads);
}

/** Steps 1–3 in one transaction, retried with fresh serials on a unique-key collision. */
export async function reserveAndPrepare(
  ctx: AuthorityContext,
  request: CycleRequest,
  algorithm: Uint8Array,
  strict: boolean,
): Promise<Prepared[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      if (request.plans.length > 1) return await prepareBatch(ctx, request, algorithm, strict);
      return await ctx.store.transaction(async (tx) => {
        if (request.before !== undefined) await request.before(tx);
        const at = ctx.now();
        // Step 1: the serials, persisted.
        const serials = request.plans.map((plan) => plan.serial ?? allocateSerial(ctx.random));
        const rows: NewCertificate[] = request.plans.map((plan, k) => ({
          id: newId('crt', ctx.random),
          caId: request.caId,
          serialHex: serials[k]!.hex,
          profile: plan.profile,
          subject: plan.subject,
          deviceId: plan.deviceId ?? null,
          chipSerial: plan.chipSerial ?? null,
          requestId: plan.requestId ?? null,
          at,
        }));
        if (tx.certificates.reserveMany !== undefined && rows.length > 1) {
          await tx.certificates.reserveMany(rows);
        } else {
          for (const row of rows) await tx.certificates.reserve(row);
        }
        // Step 2: build and lint.
        const built = request.plans.map((plan, k) => {
          const tbs = buildTbs(plan, serials[k]!);
          if (!strict && k > 0) {
            if (plan.validity === undefined) throw new TypeError("template mode needs each plan's validity");
            return { tbs, findings: [] as Finding[], ...plan.validity };
          }
          // Lint reads the TBS fields only: a view with an empty signature lints as the signed one will.
          const view = Certificate.fromDer(assembleCertificate(tbs, algorithm, EMPTY_SIGNATURE));
          const findings = lintClean(view, plan.profile, request.issuer);
          return { tbs, findings, notBefore: view.notBefore, notAfter: view.notAfter };
        });
        // Step 3: the exact bytes to be signed, persisted.
        let records: CertificateRecord[];
        if (tx.certificates.markSigningMany !== undefined && rows.length > 1) {
          records = await tx.certificates.markSigningMany(
            rows.map((row, k) => ({
              id: row.id,
              tbsDer: built[k]!.tbs,
              notBefore: built[k]!.notBefore,
              notAfter: built[k]!.notAfter,
            })),
            at,
          );
        } else {
          records = [];
          for (let k = 0; k < rows.length; k++) {
            const b = built[k]!;
            records.push(await tx.certificates.markSigning(rows[k]!.id, b.tbs, b.notBefore, b.notAfter, at));
          }
        }
        const out: Prepared[] = records.map((record, k) => ({
          plan: request.plans[k]!,
          record,
          tbs: built[k]!.tbs,
          findings: built[k]!.findings,
        }));
        await ctx.audit(tx, request.actor, 'cert.prepare', request.caId, prepareDetails(request, out));
        return out;
      });
    } catch (error) {
      await rethrowUnlessRetryable(ctx, request, error, attempt);
    }
  }
}

/**
 * After a failed reservation: returns when a fresh attempt may help (a serial collided), else
 * throws the error, or ERR_CA_REQUEST_PENDING when a request id of the batch was taken by
 * another caller meanwhile (that caller's result is the answer).
 */
async function rethrowUnlessRetryable(
  ctx: AuthorityContext,
  request: CycleRequest,
  error: unknown,
  attempt: number,
): Promise<void> {
  if (!isKeylineError(error, 'ERR_STORE_CONFLICT') || attempt >= RESERVE_ATTEMPTS) throw error;
  if (request.plans.some((plan) => plan.serial !== undefined)) throw error;
  await refuseTakenRequestIds(ctx, request);
}

/** ERR_CA_REQUEST_PENDING when a request id of the batch is stored already (a concurrent caller's). */
async function refuseTakenRequestIds(ctx: AuthorityContext, request: CycleRequest): Promise<void> {
  for (const plan of request.plans) {
    if (plan.requestId == null) continue;
    const taken = await ctx.store.certificates.getByRequestId(request.caId, plan.requestId);
    if (taken !== undefined) {
      fail('ERR_CA_REQUEST_PENDING', `request id "${plan.requestId}" was taken by a concurrent request`, {
        requestId: plan.requestId,
      });
    }
  }
}

/**
 * Steps 1–3 for a batch. The serials are allocated and every TBS built and linted first (no
 * store involved: a refusal leaves nothing to roll back); then one transaction persists each
 * certificate with its serial and the exact TBS to be signed — one write per certificate through
 * `prepareMany` when the store has it, else `reserveMany` and `markSigningMany` — with the audit
 * entry. As with a single certificate, nothing is signed before that transaction commits.
 */
async function prepareBatch(
  ctx: AuthorityContext,
  request: CycleRequest,
  algorithm: Uint8Array,
  strict: boolean,
): Promise<Prepared[]> {
  const built = buildBatch(ctx, request, algorithm, strict);
  return persistBatch(ctx, request, built.rows, built.findings);
}

/** A batch built and linted (steps 1–2 without the store): its rows and each one's findings. */
interface BuiltBatch {
  readonly rows: NewPreparedCertificate[];
  readonly findings: (readonly Finding[])[];
}

/**
 * Steps 1–2 for a batch, no store involved (a refusal leaves nothing to roll back): a serial
 * per plan (from one read of the random source), each TBS built around it and, with `strict`,
 * decoded and linted (else the first only, the template vouching for the rest).
 */
function buildBatch(ctx: AuthorityContext, request: CycleRequest, algorithm: Uint8Array, strict: boolean): BuiltBatch {
  const at = ctx.now();
  const { plans } = request;
  const rows: NewPreparedCertificate[] = new Array(plans.length);
  const findings: (readonly Finding[])[] = new Array(plans.length);
  const random = prefetched(ctx.random, plans.length * BATCH_RANDOM_PER_CERTIFICATE);
  for (let k = 0; k < plans.length; k++) {
    const plan = plans[k]!;
    const serial = plan.serial ?? allocateSerial(random);
    const tbs = buildTbs(plan, serial);
    let validity: { readonly notBefore: Date; readonly notAfter: Date };
    if (!strict && k > 0) {
      if (plan.validity === undefined) throw new TypeError("template mode needs each plan's validity");
      validity = plan.validity;
      findings[k] = [];
    } else {
      // Lint reads the TBS fields only: a view with an empty signature lints as the signed one will.
      const view = Certificate.fromDer(assembleCertificate(tbs, algorithm, EMPTY_SIGNATURE));
      findings[k] = lintClean(view, plan.profile, request.issuer);
      validity = view;
    }
    rows[k] = {
      id: batchRecordId(at, random),
      caId: request.caId,
      serialHex: serial.hex,
      profile: plan.profile,
      subject: plan.subject,
      deviceId: plan.deviceId ?? null,
      chipSerial: plan.chipSerial ?? null,
      requestId: plan.requestId ?? null,
      at,
      tbsDer: tbs,
      notBefore: validity.notBefore,
      notAfter: validity.notAfter,
    };
  }
  return { rows, findings };
}

/**
 * Step 3 for a built batch: one transaction stores each certificate as `signing` with its serial
 * and the exact TBS to be signed — one write per certificate through `prepareMany` when the store
 * has it, else `reserveMany` and `markSigningMany` — with the audit entry. Nothing is signed
 * before it commits.
 */
function persistBatch(
  ctx: AuthorityContext,
  request: CycleRequest,
  rows: readonly NewPreparedCertificate[],
  findings: readonly (readonly Finding[])[],
): Promise<Prepared[]> {
  const { plans } = request;
  return ctx.store.transaction(async (tx) => {
    if (request.before !== undefined) await request.before(tx);
    const certificates = tx.certificates;
    let records: CertificateRecord[];
    if (certificates.prepareMany !== undefined) {
      records = await certificates.prepareMany(rows);
    } else {
      if (certificates.reserveMany !== undefined) await certificates.reserveMany(rows);
      else for (const row of rows) await certificates.reserve(row);
      if (certificates.markSigningMany !== undefined) {
        records = await certificates.markSigningMany(rows, rows[0]!.at);
      } else {
        records = [];
        for (const r of rows)
          records.push(await certificates.markSigning(r.id, r.tbsDer, r.notBefore, r.notAfter, r.at));
      }
    }
    const out: Prepared[] = records.map((record, k) => ({
      plan: plans[k]!,
      record,
      tbs: rows[k]!.tbsDer,
      findings: findings[k]!,
    }));
    await ctx.audit(tx, request.actor, 'cert.prepare', request.caId, prepareDetails(request, out));
    return out;
  });
}

/**
 * A certificate record id for a batch: `crt_`, the second of `at` (8 hex digits) and 64 bits
 * from the random source. Ids of one batch sort together, so the store's unique index on ids
 * takes a batch at the end of its key range (a few pages) instead of one random page per
 * certificate; the random part keeps them unguessable from each other and collisions
 * negligible. Still opaque keys (ids.ts); a collision is a conflict the cycle retries.
 */
function batchRecordId(at: Date, random: RandomSource): string {
  const seconds = Math.floor(at.getTime() / 1000) >>> 0;
  return `crt_${seconds.toString(16).padStart(8, '0')}${Buffer.from(random.bytes(8)).toString('hex')}`;
}

/** Octets a batch certificate takes from the random source: a 16-octet serial and 8 for its id. */
const BATCH_RANDOM_PER_CERTIFICATE = 24;

/**
 * The injected random source read once for a whole batch and handed out in order (each octet
 * used once), instead of one call per serial and id: a call to the system CSPRNG costs about as
 * much as building a TBS. Falls through to `source` when more is asked than was fetched.
 */
function prefetched(source: RandomSource, length: number): RandomSource {
  const pool = source.bytes(length);
  let offset = 0;
  return {
    bytes(n: number): Uint8Array {
      if (offset + n > pool.length) return source.bytes(n);
      const out = pool.subarray(offset, offset + n);
      offset += n;
      return out;
    },
  };
}

/** Builds one TBS; a builder refusal of the request's content is a profile violation. */
function buildTbs(plan: CyclePlan, serial: AllocatedSerial): Uint8Array {
  try {
    return plan.buildTbs(serial);
  } catch (error) {
    if (isKeylineError(error, 'ERR_X509_BUILD_INVALID')) {
      throw new KeylineError(
        'ERR_CA_PROFILE_VIOLATION',
        `the ${plan.profile} certificate cannot be built: ${error.message}`,
        {
          findings: [{ id: 'ca.build', severity: 'error', message: error.message, clause: plan.profile }],
        },
        { cause: error },
      );
    }
    throw error;
  }
}

/** Step 2's lint: error findings refuse with ERR_CA_PROFILE_VIOLATION carrying them. */
export function lintClean(view: LintTarget, profile: ProfileName, issuer: LintTarget | undefined): Finding[] {
  const findings = lint(view, profile, issuer === undefined ? {} : { issuer });
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    fail(
      'ERR_CA_PROFILE_VIOLATION',
      `the certificate violates the ${profile} profile: ${errors.map((f) => `${f.id}: ${f.message}`).join('; ')}`,
      { findings: errors },
    );
  }
  return findings;
}

/**
 * Step 5: the signed certificate is SEQUENCE { the persisted TBS, byte for byte, the signature
 * algorithm the TBS names, a BIT STRING with no unused bits } and nothing else. The TBS was
 * decoded and linted at step 2, and these bytes are it, so the certificate is not decoded again
 * (callers that want the decoded form get it lazily, `IssuedCertificate.certificate`).
 */
export function checkSigned(p: Prepared, der: Uint8Array, algorithm: Uint8Array): Signed {
  let same = false;
  try {
    const top = readTlv(der, 0, der.length);
    const tbs = readTlv(der, top.valueStart, top.end);
    const alg = readTlv(der, tbs.end, top.end);
    const bits = readTlv(der, alg.end, top.end);
    same =
      top.tag === Tag.SEQUENCE &&
      top.end === der.length &&
      bits.end === top.end &&
      bits.tag === Tag.BIT_STRING &&
      bits.end > bits.valueStart &&
      der[bits.valueStart] === 0 &&
      Buffer.compare(encodingOf(der, tbs), p.tbs) === 0 &&
      Buffer.compare(encodingOf(der, alg), algorithm) === 0;
  } catch (error) {
    throw new KeylineError(
      'ERR_CA_SIGNED_TBS_MISMATCH',
      `the signed certificate does not decode: ${(error as Error).message}`,
      { serial: p.record.serialHex },
      { cause: error },
    );
  }
  if (!same) fail('ERR_CA_SIGNED_TBS_MISMATCH', undefined, { serial: p.record.serialHex });
  return { prepared: p, der, fingerprint: createHash('sha256').update(der).digest('hex') };
}

/** Step 6: every record valid and the audit entry, in one transaction. */
async function finish(
  ctx: AuthorityContext,
  request: CycleRequest,
  signed: readonly Signed[],
): Promise<IssuedCertificate[]> {
  try {
    return await ctx.store.transaction(async (tx) => {
      const at = ctx.now();
      const records = await markSignedValid(tx, signed, at);
      const issued = records.map((record, k) => issuedCertificate(record, signed[k]!));
      await ctx.audit(tx, request.actor, 'cert.issue', auditTarget(request, issued), issueDetails(issued));
      if (request.after !== undefined) await request.after(tx, issued);
      return issued;
    });
  } catch (error) {
    // Signed but not recorded: the certificate never leaves this process, and the record becomes
    // `failed` with its serial listed as revoked (recovery.ts), now if the store lets us.
    await failRecords(
      ctx,
      request.actor,
      signed.map((s) => s.prepared),
      'recording the signed certificate failed',
      error,
    );
    throw error;
  }
}

/** Records checked certificates `valid` in `tx` (one statement per chunk where the store can). */
async function markSignedValid(tx: Store, signed: readonly Signed[], at: Date): Promise<CertificateRecord[]> {
  if (tx.certificates.markValidMany !== undefined && signed.length > 1) {
    // Step 5 checked that each DER holds the persisted TBS: the store keeps one copy.
    return tx.certificates.markValidMany(
      signed.map((s) => ({ id: s.prepared.record.id, der: s.der, fingerprint: s.fingerprint })),
      at,
      { tbsInDer: true, signing: signed.map((s) => s.prepared.record) },
    );
  }
  const records: CertificateRecord[] = [];
  for (const s of signed) records.push(await tx.certificates.markValid(s.prepared.record.id, s.der, s.fingerprint, at));
  return records;
}

/**
 * Step 6 for a batch signed in pieces that arrive while it is being recorded (pipelined-cycle.ts):
 * one transaction records each piece `valid` as soon as `pieces[k]()` gives it signed and checked,
 * then appends the one audit entry and commits, so the batch is recorded all or nothing as by
 * `finish`. Any failure — a piece that does not come (the signer), a check, the store — rolls the
 * transaction back and fails every record of `prepared` (listed as revoked), then throws.
 */
export async function finishPieces(
  ctx: AuthorityContext,
  request: CycleRequest,
  prepared: readonly Prepared[],
  pieces: readonly (() => Promise<readonly Signed[]>)[],
): Promise<IssuedCertificate[]> {
  let why = 'recording the signed certificate failed';
  try {
    return await ctx.store.transaction(async (tx) => {
      const at = ctx.now();
      const issued: IssuedCertificate[] = [];
      for (const piece of pieces) {
        why = 'the signer failed';
        const signed = await piece();
        why = 'recording the signed certificate failed';
        const records = await markSignedValid(tx, signed, at);
        records.forEach((record, k) => issued.push(issuedCertificate(record, signed[k]!)));
      }
      if (issued.length !== prepared.length) throw new Error('a signed piece of the batch is missing');
      await ctx.audit(tx, request.actor, 'cert.issue', auditTarget(request, issued), issueDetails(issued));
      if (request.after !== undefined) await request.after(tx, issued);
      return issued;
    });
  } catch (error) {
    if (isKeylineError(error, 'ERR_CA_SIGNED_TBS_MISMATCH')) why = 'the signed TBS differs from the linted one';
    await failRecords(ctx, request.actor, prepared, why, error);
    throw error;
  }
}

function issuedCertificate(record: CertificateRecord, s: Signed): IssuedCertificate {
  let certificate: Certificate | undefined;
  return {
    record,
    der: s.der,
    fingerprint: s.fingerprint,
    findings: s.prepared.findings,
    get certificate(): Certificate {
      certificate ??= Certificate.fromDer(s.der);
      return certificate;
    },
  };
}

/** Marks records failed with an audit entry; best effort (the store may be what failed). */
async function failRecords(
  ctx: AuthorityContext,
  actor: Actor,
  prepared: readonly Prepared[],
  why: string,
  error: unknown,
): Promise<void> {
  try {
    const failed = await ctx.store.transaction(async (tx) => {
      const at = ctx.now();
      const out: CertificateRecord[] = [];
      for (const p of prepared) out.push(await tx.certificates.markFailed(p.record.id, at));
      await ctx.audit(tx, actor, 'cert.fail', prepared[0]!.record.caId, {
        reason: why,
        error: isKeylineError(error) ? error.code : 'internal',
        serials: out.map((r) => r.serialHex),
        listedAsRevoked: true,
      });
      return out;
    });
    for (const record of failed) ctx.emit({ type: 'failed', caId: record.caId, record });
  } catch {
    // Left `signing`: `recover` finishes them the same way.
  }
}

function auditTarget(request: CycleRequest, issued: readonly IssuedCertificate[]): string {
  return issued.length === 1 ? `${request.caId}:${issued[0]!.record.serialHex}` : request.caId;
}

function prepareDetails(request: CycleRequest, prepared: readonly Prepared[]): Record<string, unknown> {
  if (prepared.length === 1) {
    const p = prepared[0]!;
    return {
      serial: p.record.serialHex,
      profile: p.plan.profile,
      subject: p.plan.subject,
      requestId: p.plan.requestId ?? undefined,
      tbsSha256: createHash('sha256').update(p.tbs).digest('hex'),
      ...p.plan.details,
    };
  }
  return {
    count: prepared.length,
    profile: prepared[0]!.plan.profile,
    serials: prepared.map((p) => p.record.serialHex),
    signer: request.signer.algorithm,
  };
}

function issueDetails(issued: readonly IssuedCertificate[]): Record<string, unknown> {
  if (issued.length === 1) {
    const { record } = issued[0]!;
    return {
      serial: record.serialHex,
      profile: record.profile,
      subject: record.subject,
      fingerprint: record.fingerprint,
      deviceId: record.deviceId ?? undefined,
      requestId: record.requestId ?? undefined,
    };
  }
  return { count: issued.length, serials: issued.map((i) => i.record.serialHex) };
}
