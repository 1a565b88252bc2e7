import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { chipColumns, chipSerialOfRow } from '../../src/store/repositories/chip-columns.js';
import { initStore, openStore } from '../../src/store/index.js';
import { issuingCaRow } from './support/ca-record.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('chip serial columns (migrations/0003-chip-is-device)', () => {
  it('stores a chip serial equal to the device id once, and any other in chip_serial', () => {
    expect(chipColumns('0a0b', '0a0b')).toEqual({ chip_serial: null, chip_is_device: 1 });
    expect(chipColumns('0a0b', 'ffff')).toEqual({ chip_serial: 'ffff', chip_is_device: 0 });
    expect(chipColumns(null, 'ffff')).toEqual({ chip_serial: 'ffff', chip_is_device: 0 });
    expect(chipColumns('0a0b', null)).toEqual({ chip_serial: null, chip_is_device: 0 });
    expect(chipSerialOfRow({ device_id: '0a0b', chip_serial: null, chip_is_device: 1 })).toBe('0a0b');
    expect(chipSerialOfRow({ device_id: '0a0b', chip_serial: null, chip_is_device: 0 })).toBeNull();
    expect(chipSerialOfRow({ device_id: '0a0b', chip_serial: 'ffff', chip_is_device: 0 })).toBe('ffff');
  });

  it('SQLite: the factory shape takes no chip index entry; rows written before 0003 are still found', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'keyline-chip-'));
    dirs.push(dataDir);
    const store = await initStore({ dataDir }, { env: {} });
    const at = new Date('2026-01-01T00:00:00Z');
    await store.cas.insert(issuingCaRow('ca_1', at));
    const base = { caId: 'ca_1', profile: 'device', subject: 'CN=x', requestId: null, at } as const;
    await store.certificates.reserve({ ...base, id: 'crt_a', serialHex: '01', deviceId: 'aa11', chipSerial: 'aa11' });
    await store.close();

    const raw = new BetterSqlite3(join(dataDir, 'keyline.db'));
    expect(raw.prepare("select chip_serial, chip_is_device from certificates where id = 'crt_a'").get()).toEqual({
      chip_serial: null,
      chip_is_device: 1,
    });
    // A row as Keyline wrote it before migration 0003: both columns set, no flag.
    raw
      .prepare(
        "insert into certificates (id, ca_id, serial_hex, profile, status, subject, device_id, chip_serial, created_at, updated_at) values ('crt_b', 'ca_1', '02', 'device', 'reserved', 'CN=y', 'bb22', 'bb22', 'x', 'x')",
      )
      .run();
    raw.close();

    const reopened = await openStore({ dataDir }, { env: {} });
    try {
      expect((await reopened.certificates.get('crt_a'))?.chipSerial).toBe('aa11');
      expect((await reopened.certificates.get('crt_b'))?.chipSerial).toBe('bb22');
      const found = async (chipSerial: string) =>
        (await reopened.certificates.search({ chipSerial })).items.map((r) => r.id);
      expect(await found('aa11')).toEqual(['crt_a']);
      expect(await found('bb22')).toEqual(['crt_b']);
    } finally {
      await reopened.close();
    }
  });
});
