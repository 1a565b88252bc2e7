import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database } from '../schema.js';

/**
 * How a certificate row holds its chip serial (migrations/0003-chip-is-device.ts): a chip serial
 * equal to the device id (every certificate of the factory line) is stored once, in device_id,
 * with chip_is_device = 1, so the row takes no entry in the chip serial index; any other is
 * stored in chip_serial as before.
 */
export interface ChipColumns {
  readonly chip_serial: string | null;
  readonly chip_is_device: 0 | 1;
}

export function chipColumns(deviceId: string | null, chipSerial: string | null): ChipColumns {
  if (chipSerial !== null && chipSerial === deviceId) return { chip_serial: null, chip_is_device: 1 };
  return { chip_serial: chipSerial, chip_is_device: 0 };
}

/** The chip serial a row records. */
export function chipSerialOfRow(row: {
  readonly device_id: string | null;
  readonly chip_serial: string | null;
  readonly chip_is_device?: number | string | null;
}): string | null {
  return row.chip_serial ?? (Number(row.chip_is_device) === 1 ? row.device_id : null);
}

/** Rows recording chip serial `chipSerial`: each arm of the OR is served by an index. */
export function chipSerialIs(eb: ExpressionBuilder<Database, 'certificates'>, chipSerial: string): Expression<SqlBool> {
  return eb.or([
    eb('certificates.chip_serial', '=', chipSerial),
    eb.and([eb('certificates.device_id', '=', chipSerial), eb('certificates.chip_is_device', '=', sql.lit(1))]),
  ]);
}
