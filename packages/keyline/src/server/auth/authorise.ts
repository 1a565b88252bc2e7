import { KeylineError } from '@keyline/core';
import type { CaRecord, TokenRole } from '../../ca/records.js';
import type { Actor } from '../../ca/service-port.js';

/** Refuses (403) unless the actor has one of `roles`. */
export function requireRole(actor: Actor, roles: readonly TokenRole[], what: string): void {
  if (!roles.includes(actor.role)) {
    throw new KeylineError('ERR_SERVER_FORBIDDEN', `${what} needs the role ${roles.join(' or ')}`);
  }
}

/** Whether the actor may see or use `ca`: an operator only its own manufacturer's CAs (issue 3, 4). */
export function maySeeCa(actor: Actor, ca: Pick<CaRecord, 'manufacturerId'>): boolean {
  if (actor.role !== 'operator') return true;
  return actor.manufacturerId !== null && ca.manufacturerId === actor.manufacturerId;
}

/** Refuses (403) an operator acting on another manufacturer's CA, and an auditor changing anything. */
export function requireCaUse(actor: Actor, ca: CaRecord, change: boolean): void {
  if (change) requireRole(actor, ['admin', 'operator'], 'changing anything');
  if (!maySeeCa(actor, ca)) {
    throw new KeylineError(
      'ERR_SERVER_FORBIDDEN',
      `this token may only use CAs of manufacturer ${actor.manufacturerId ?? '(none)'}`,
    );
  }
}
