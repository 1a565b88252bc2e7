import type { MemoryAuditRepository, AuditRow } from './memory-audit-repository.js';
import type { Tamperer } from './tamper-cases.js';

/** Tampering with the rows of a MemoryAuditRepository. */
export function memoryTamperer(repository: MemoryAuditRepository): Tamperer {
  return {
    get: async (seq) => ({ ...repository.row(seq) }),
    update: async (seq, set) => {
      Object.assign(repository.row(seq), set);
    },
    remove: async (seq) => {
      repository.rows = repository.rows.filter((row) => row.seq !== seq);
    },
    insert: async (row: AuditRow) => {
      repository.rows.push({ ...row });
    },
    shift: async (from, by) => {
      for (const row of repository.rows) if (row.seq >= from) row.seq += by;
    },
    swap: async (a, b) => {
      const rowA = repository.row(a);
      const rowB = repository.row(b);
      rowA.seq = b;
      rowB.seq = a;
    },
  };
}
