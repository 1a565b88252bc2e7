import { fail } from '@keyline/core';
import type { CaRecord } from './records.js';
import type { Actor } from './service-port.js';

/**
 * Who may do what (issue 3, "roles"): an admin everything; a manufacturer operator only work on the
 * CAs of its own manufacturer (issue and revoke, CRLs); an auditor nothing that changes state.
 * Refusals are ERR_CA_FORBIDDEN. The edges authenticate; this only decides.
 */

/** Ceremonies (roots, CAs, installing certificates) and recovery: admins only. */
export function requireAdmin(actor: Actor, what: string): void {
  if (actor.role !== 'admin') fail('ERR_CA_FORBIDDEN', `only an admin may ${what}`);
}

/** A state change on `ca`: an admin, or an operator of the CA's manufacturer. */
export function requireCaWrite(actor: Actor, ca: CaRecord, what: string): void {
  if (actor.role === 'admin') return;
  if (
    actor.role === 'operator' &&
    actor.manufacturerId !== null &&
    ca.manufacturerId !== null &&
    actor.manufacturerId === ca.manufacturerId
  ) {
    return;
  }
  fail(
    'ERR_CA_FORBIDDEN',
    `${actor.role === 'auditor' ? 'an auditor' : 'this operator'} may not ${what} at CA ${ca.id}`,
  );
}
