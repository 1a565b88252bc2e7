import type { CertificateRepository, Store } from '../../../src/ca/store-port.js';

/**
 * Adds the optional bulk certificate methods to a store that lacks them, built from its single-row
 * methods, and counts their calls: lets tests drive the cycle's bulk path.
 */
export function withBulkMethods(inner: Store): Store & { bulkCalls: string[] } {
  const bulkCalls: string[] = [];
  const extend = (repo: CertificateRepository): CertificateRepository => {
    const bulk: Partial<CertificateRepository> = {
      // Hidden: the cycle would take the one-write batch path instead of the three counted here.
      prepareMany: undefined,
      reserveMany: async (certs: Parameters<NonNullable<CertificateRepository['reserveMany']>>[0]) => {
        bulkCalls.push(`reserveMany:${certs.length}`);
        const out = [];
        for (const c of certs) out.push(await repo.reserve(c));
        return out;
      },
      markSigningMany: async (rows: Parameters<NonNullable<CertificateRepository['markSigningMany']>>[0], at: Date) => {
        bulkCalls.push(`markSigningMany:${rows.length}`);
        const out = [];
        for (const r of rows) out.push(await repo.markSigning(r.id, r.tbsDer, r.notBefore, r.notAfter, at));
        return out;
      },
      markValidMany: async (rows: Parameters<NonNullable<CertificateRepository['markValidMany']>>[0], at: Date) => {
        bulkCalls.push(`markValidMany:${rows.length}`);
        const out = [];
        for (const r of rows) out.push(await repo.markValid(r.id, r.der, r.fingerprint, at));
        return out;
      },
    };
    // The store's repositories keep private fields, so their own methods run bound to them.
    return new Proxy(repo, {
      get(target, prop) {
        if (typeof prop === 'string' && prop in bulk) return bulk[prop as keyof CertificateRepository];
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  const wrap = (store: Store): Store =>
    new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'transaction')
          return <T>(fn: (tx: Store) => Promise<T>) => target.transaction((tx) => fn(wrap(tx)));
        if (prop === 'certificates') return extend(target.certificates);
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
  return Object.assign(wrap(inner), { bulkCalls });
}
