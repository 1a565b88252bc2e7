import type { Store } from '../../../src/ca/store-port.js';

/** A store call to break: `<repository>.<method>`, e.g. `certificates.markValid`. */
export type StoreCall = `${'cas' | 'certificates' | 'crls' | 'tokens' | 'manufacturers' | 'audit'}.${string}`;

export class SimulatedCrash extends Error {
  constructor(call: string) {
    super(`simulated failure of ${call}`);
    this.name = 'SimulatedCrash';
  }
}

/**
 * Wraps a store so that the listed calls throw (inside transactions too), as a database that goes
 * away or a process that dies at that point would leave things. `heal()` restores every call.
 */
export function faultyStore(inner: Store, failing: Iterable<StoreCall>): Store & { heal(): void; calls: string[] } {
  const broken = new Set<string>(failing);
  const calls: string[] = [];
  const wrapRepo = (name: string, repo: object): object =>
    new Proxy(repo, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        const call = `${name}.${String(prop)}`;
        return (...args: unknown[]) => {
          calls.push(call);
          if (broken.has(call)) throw new SimulatedCrash(call);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  const wrap = (store: Store): Store =>
    new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'transaction') {
          return <T>(fn: (tx: Store) => Promise<T>) => target.transaction((tx) => fn(wrap(tx)));
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (
          typeof prop === 'string' &&
          ['cas', 'certificates', 'crls', 'tokens', 'manufacturers', 'audit'].includes(prop)
        ) {
          return wrapRepo(prop, value as object);
        }
        return value;
      },
    });
  return Object.assign(wrap(inner), {
    heal: () => broken.clear(),
    calls,
  });
}
