import type { Clock, Signer } from '@keyline/core';
import { auditHash } from '../../src/audit/hash.js';
import { appendAudit, writeCheckpoint, type AuditStore } from '../../src/audit/index.js';
import type { AuditEntry } from '../../src/ca/records.js';
import type { AuditRow } from './memory-audit-repository.js';

/** A clock that moves one second forward on every reading, from 2025-01-01T00:00:00.000Z. */
export function steppingClock(start = Date.UTC(2025, 0, 1)): Clock {
  let now = start;
  return {
    now: () => {
      const at = new Date(now);
      now += 1000;
      return at;
    },
  };
}

const ACTIONS = ['ca.create', 'cert.issue', 'cert.revoke', 'crl.sign'] as const;

/** Appends `count` entries of assorted actions and details; with a signer, checkpoints every `every`. */
export async function buildLog(
  store: AuditStore,
  count: number,
  options: { signer?: Signer; every?: number; clock?: Clock } = {},
): Promise<AuditEntry[]> {
  const clock = options.clock ?? steppingClock();
  const out: AuditEntry[] = [];
  for (let i = 1; i <= count; i++) {
    const action = ACTIONS[i % ACTIONS.length]!;
    out.push(
      await appendAudit(
        store,
        {
          actor: i % 3 === 0 ? 'token:tok_1' : 'cli',
          action,
          target: `ca_${i % 4}:${(0x1000 + i).toString(16)}`,
          details: { n: i, serial: BigInt(i) << 70n, fingerprint: new Uint8Array([i, 0xab]), note: `é ${i} "q"` },
        },
        clock,
        options.signer === undefined ? {} : { checkpoint: { signer: options.signer, every: options.every ?? 100 } },
      ),
    );
  }
  return out;
}

/** Appends one checkpoint. */
export async function checkpoint(
  store: AuditStore,
  signer: Signer,
  clock: Clock = steppingClock(Date.UTC(2026, 0, 1)),
) {
  return writeCheckpoint(store, signer, clock);
}

/** The hash an attacker computes for a row (the format is public). */
export function rowHash(row: Omit<AuditRow, 'hash'>): string {
  return auditHash({
    seq: row.seq,
    at: new Date(row.at),
    actor: row.actor,
    action: row.action,
    target: row.target,
    details: JSON.parse(row.details) as Record<string, unknown>,
    prevHash: row.prevHash,
  });
}
