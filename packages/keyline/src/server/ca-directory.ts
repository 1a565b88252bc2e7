import { KeylineError } from '@keyline/core';
import type { CaRecord } from '../ca/records.js';
import type { Store } from '../ca/store-port.js';

/** The deepest hierarchy walked (root → manufacturer → issuing is 3); a guard against cycles in bad data. */
const MAX_CHAIN = 8;

/** CA lookups the routes share: by id or label, with ERR_CA_NOT_FOUND, and chains up to the root. */
export class CaDirectory {
  constructor(private readonly store: Store) {}

  /** The CA with `id`; ERR_CA_NOT_FOUND (404) when there is none. */
  async get(id: string): Promise<CaRecord> {
    const ca = await this.store.cas.get(id);
    if (ca === undefined) throw new KeylineError('ERR_CA_NOT_FOUND', `no CA with id ${id}`);
    return ca;
  }

  /** The CA labelled `label`; ERR_CA_NOT_FOUND (404) when there is none. */
  async getByLabel(label: string): Promise<CaRecord> {
    const ca = await this.store.cas.getByLabel(label);
    if (ca === undefined) throw new KeylineError('ERR_CA_NOT_FOUND', `no CA labelled ${label}`);
    return ca;
  }

  /** The CA by id, or else by label (EST paths and the --est-ca option take either). */
  async getByIdOrLabel(value: string): Promise<CaRecord> {
    const ca = (await this.store.cas.get(value)) ?? (await this.store.cas.getByLabel(value));
    if (ca === undefined) throw new KeylineError('ERR_CA_NOT_FOUND', `no CA with id or label ${value}`);
    return ca;
  }

  /** `ca`, its parent, …, up to the root (or as far as the records go). */
  async chain(ca: CaRecord): Promise<CaRecord[]> {
    const chain = [ca];
    let current = ca;
    while (current.parentId !== null && chain.length < MAX_CHAIN) {
      const parent = await this.store.cas.get(current.parentId);
      if (parent === undefined || chain.some((c) => c.id === parent.id)) break;
      chain.push(parent);
      current = parent;
    }
    return chain;
  }

  /**
   * Refuses (ERR_CA_NOT_ACTIVE, 409) early, before a request body is worked on, to issue from a CA
   * that is not active or has no certificate, and returns its chain. Whether the CA's certificate,
   * or an ancestor's, was revoked is the CA core's check on every issuing path (ca/context.ts).
   */
  async requireIssuing(ca: CaRecord): Promise<CaRecord[]> {
    if (ca.status !== 'active' || ca.certificateDer === null) {
      throw new KeylineError('ERR_CA_NOT_ACTIVE', `CA ${ca.label} is ${ca.status}; only an active CA issues`);
    }
    return this.chain(ca);
  }

  /**
   * The CA EST serves at /.well-known/est/ (no label): the one configured (id or label), or else
   * the only active issuing CA, or else the only active manufacturer CA. With none or several,
   * ERR_SERVER_EST_NO_DEFAULT_CA: the client must name one (/.well-known/est/<label>/).
   */
  async estDefault(configured: string | undefined): Promise<CaRecord> {
    if (configured !== undefined) return this.getByIdOrLabel(configured);
    for (const kind of ['issuing', 'manufacturer'] as const) {
      const active = (await this.store.cas.list({ kind })).filter((ca) => ca.status === 'active');
      if (active.length === 1) return active[0]!;
      if (active.length > 1) {
        throw new KeylineError(
          'ERR_SERVER_EST_NO_DEFAULT_CA',
          `there are ${active.length} active ${kind} CAs: use /.well-known/est/<ca-label>/ (labels: ${active.map((c) => c.label).join(', ')})`,
        );
      }
    }
    throw new KeylineError(
      'ERR_SERVER_EST_NO_DEFAULT_CA',
      'there is no active issuing or manufacturer CA to enrol with',
    );
  }
}
