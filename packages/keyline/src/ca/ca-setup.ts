import { fail, isKeylineError, isManufacturerId, isProductId, type PolicyCurve } from '@keyline/core';
import type { AuthorityContext } from './context.js';
import type { CaKind, CaRecord } from './records.js';
import type { Actor, CaCurve } from './service-port.js';
import type { NewCa, Store } from './store-port.js';

/** Steps shared by every way a CA comes into being (root, online parent, offline parent). */

export function checkCurve(curve: unknown, allowed: readonly PolicyCurve[]): CaCurve {
  if (curve !== 'P-256' && curve !== 'P-384') fail('ERR_CA_BAD_INPUT', 'curve must be P-256 or P-384');
  if (!allowed.includes(curve)) fail('ERR_CA_BAD_INPUT', `curve ${curve} is not allowed here (KECP 4.3)`);
  return curve;
}

export function checkYears(years: unknown, max: number, field = 'validityYears'): number {
  if (typeof years !== 'number' || !Number.isInteger(years) || years < 1 || years > max) {
    fail('ERR_CA_BAD_INPUT', `${field} must be a whole number from 1 to ${max}`);
  }
  return years;
}

export function checkManufacturerId(id: unknown): string {
  if (typeof id !== 'string' || !isManufacturerId(id)) {
    fail(
      'ERR_CA_BAD_INPUT',
      "a manufacturer id is 1–32 of a-z, 0-9 and '-', not starting or ending with '-' (KECP 6.4)",
    );
  }
  return id;
}

export function checkProductId(id: unknown): string {
  if (typeof id !== 'string' || !isProductId(id)) {
    fail('ERR_CA_BAD_INPUT', "a product id is 1–32 of a-z, 0-9 and '-', not starting or ending with '-' (KECP 6.4)");
  }
  return id;
}

/** The parent kind each subordinate kind needs (KECP 3: root → manufacturer CA → issuing CA). */
export function checkParentKind(parent: CaRecord, kind: Exclude<CaKind, 'root'>, manufacturerId: string): void {
  if (kind === 'manufacturer' && parent.kind !== 'root') {
    fail('ERR_CA_WRONG_KIND', `a manufacturer CA is issued by a root, and CA ${parent.id} is a ${parent.kind} CA`);
  }
  if (kind === 'issuing') {
    if (parent.kind !== 'manufacturer') {
      fail(
        'ERR_CA_WRONG_KIND',
        `an issuing CA is issued by a manufacturer CA, and CA ${parent.id} is a ${parent.kind} CA`,
      );
    }
    if (parent.manufacturerId !== manufacturerId) {
      fail(
        'ERR_CA_PROFILE_VIOLATION',
        `an issuing CA carries its manufacturer CA's manufacturer id "${parent.manufacturerId ?? ''}" (KECP 3.2)`,
        {
          findings: [
            {
              id: 'kecp.manufacturer-matches-issuer',
              severity: 'error',
              message: `manufacturer id "${manufacturerId}" differs from the issuer's`,
              clause: 'KECP 3.2',
            },
          ],
        },
      );
    }
  }
}

/**
 * Inserts a CA record (pending until its certificate is installed) with its audit entry, and the
 * manufacturer it names when the store does not know it yet. A label taken meanwhile is
 * ERR_CA_LABEL_TAKEN.
 */
export async function insertCa(
  ctx: AuthorityContext,
  tx: Store,
  actor: Actor,
  ca: NewCa,
  manufacturerName?: string,
): Promise<CaRecord> {
  if (ca.manufacturerId !== null && (await tx.manufacturers.get(ca.manufacturerId)) === undefined) {
    await tx.manufacturers.insert({
      id: ca.manufacturerId,
      name: manufacturerName ?? ca.manufacturerId,
      createdAt: ctx.now(),
    });
  }
  let record: CaRecord;
  try {
    record = await tx.cas.insert(ca);
  } catch (error) {
    if (isKeylineError(error, 'ERR_STORE_CONFLICT')) fail('ERR_CA_LABEL_TAKEN', `a CA labelled "${ca.label}" exists`);
    throw error;
  }
  await ctx.audit(tx, actor, 'ca.create', ca.id, {
    kind: ca.kind,
    label: ca.label,
    subject: ca.subject,
    parentId: ca.parentId,
    manufacturerId: ca.manufacturerId,
    productId: ca.productId,
    keyUri: ca.keyUri,
  });
  return record;
}

/** Whole years from `from` such that adding them stays at or before `until` (0 when none fits). */
export function wholeYearsUntil(from: Date, until: Date): number {
  let years = 0;
  for (;;) {
    const next = new Date(from.getTime());
    next.setUTCFullYear(next.getUTCFullYear() + years + 1);
    if (next.getTime() > until.getTime() || years >= 100) return years;
    years++;
  }
}
