import { describe, expect, it } from 'vitest';
import { isKeylineError } from '@keyline/core';
import { resolveStoreLocation } from '../../src/store/index.js';

const cwd = '/work/site';

function badUrl(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    expect(isKeylineError(error, 'ERR_STORE_BAD_URL')).toBe(true);
    return;
  }
  throw new Error('expected ERR_STORE_BAD_URL');
}

describe('resolveStoreLocation', () => {
  it('defaults to ./keyline-data and the SQLite file in it', () => {
    expect(resolveStoreLocation({ cwd }, {})).toEqual({
      dataDir: '/work/site/keyline-data',
      engine: 'sqlite',
      url: 'sqlite:/work/site/keyline-data/keyline.db',
      sqlitePath: '/work/site/keyline-data/keyline.db',
      displayUrl: 'sqlite:/work/site/keyline-data/keyline.db',
    });
  });

  it('takes the data directory from the option, else KEYLINE_DATA; empty values count as absent', () => {
    expect(resolveStoreLocation({ cwd }, { KEYLINE_DATA: '/srv/kl' }).sqlitePath).toBe('/srv/kl/keyline.db');
    expect(resolveStoreLocation({ cwd, data: 'mine' }, { KEYLINE_DATA: '/srv/kl' }).dataDir).toBe('/work/site/mine');
    expect(resolveStoreLocation({ cwd, dataDir: 'alias' }, {}).dataDir).toBe('/work/site/alias');
    expect(resolveStoreLocation({ cwd, data: '' }, { KEYLINE_DATA: '' }).dataDir).toBe('/work/site/keyline-data');
  });

  it('takes the database from the option, else KEYLINE_DB, independent of the data directory', () => {
    const env = { KEYLINE_DB: 'postgres://kl@db.example:5432/keyline', KEYLINE_DATA: '/srv/kl' };
    const fromEnv = resolveStoreLocation({ cwd }, env);
    expect(fromEnv).toMatchObject({ engine: 'postgres', url: env.KEYLINE_DB, dataDir: '/srv/kl', sqlitePath: null });
    const fromOption = resolveStoreLocation({ cwd, db: 'sqlite:other.db' }, env);
    expect(fromOption).toMatchObject({ engine: 'sqlite', sqlitePath: '/work/site/other.db', dataDir: '/srv/kl' });
    expect(resolveStoreLocation({ cwd, dbUrl: 'x.db' }, env).sqlitePath).toBe('/work/site/x.db');
  });

  it('accepts the SQLite spellings', () => {
    const path = (db: string) => resolveStoreLocation({ cwd, db }, {}).sqlitePath;
    expect(path('sqlite:/var/kl/k.db')).toBe('/var/kl/k.db');
    expect(path('sqlite:///var/kl/k.db')).toBe('/var/kl/k.db');
    expect(path('sqlite:rel/k.db')).toBe('/work/site/rel/k.db');
    expect(path('sqlite://rel/k.db')).toBe('/work/site/rel/k.db');
    expect(path('SQLITE:k.db')).toBe('/work/site/k.db');
    expect(path('./k.db')).toBe('/work/site/k.db');
    expect(path('/abs/k.db')).toBe('/abs/k.db');
    const memory = resolveStoreLocation({ cwd, db: 'sqlite::memory:' }, {});
    expect(memory).toMatchObject({ engine: 'sqlite', sqlitePath: null, url: 'sqlite::memory:' });
  });

  it('accepts postgres:// and postgresql://, hiding the password from the display form only', () => {
    const url = 'postgresql://keyline:s3cret@127.0.0.1:5432/keyline?sslmode=disable';
    const location = resolveStoreLocation({ cwd, db: url }, {});
    expect(location.engine).toBe('postgres');
    expect(location.url).toBe(url);
    expect(location.displayUrl).not.toContain('s3cret');
    expect(location.displayUrl).toContain('keyline:***@127.0.0.1:5432/keyline');
    expect(resolveStoreLocation({ cwd, db: 'postgres://127.0.0.1/kl' }, {}).displayUrl).toBe('postgres://127.0.0.1/kl');
  });

  it('refuses other schemes and URLs that name no database with ERR_STORE_BAD_URL', () => {
    badUrl(() => resolveStoreLocation({ cwd, db: 'mysql://h/db' }, {}));
    badUrl(() => resolveStoreLocation({ cwd, db: 'file:x.db' }, {}));
    badUrl(() => resolveStoreLocation({ cwd, db: 'postgres://127.0.0.1:5432' }, {}));
    badUrl(() => resolveStoreLocation({ cwd, db: 'postgres://127.0.0.1:5432/' }, {}));
    badUrl(() => resolveStoreLocation({ cwd, db: 'postgres://[bad' }, {}));
    badUrl(() => resolveStoreLocation({ cwd, db: 'sqlite:' }, {}));
    badUrl(() => resolveStoreLocation({ cwd }, { KEYLINE_DB: 'redis://h' }));
  });
});
