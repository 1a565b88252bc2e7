import { KeylineError } from '@keyline/core';

/**
 * A serial number from a URL or a query as the store keeps it (records.ts): lower-case hex of the
 * unsigned magnitude. Accepts upper case, `0x`, and colon-separated octets (as `openssl x509
 * -serial` and browsers print them); leading zero octets are dropped.
 */
export function normaliseSerial(text: string): string {
  let hex = text.trim().toLowerCase().replace(/:/g, '');
  if (hex.startsWith('0x')) hex = hex.slice(2);
  if (!/^[0-9a-f]{1,80}$/.test(hex)) {
    throw new KeylineError('ERR_SERVER_BAD_REQUEST', `serial "${text.slice(0, 100)}" is not hexadecimal`);
  }
  if (hex.length % 2 === 1) hex = `0${hex}`;
  while (hex.length > 2 && hex.startsWith('00')) hex = hex.slice(2);
  return hex;
}
