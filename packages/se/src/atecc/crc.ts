/**
 * The CRC-16 of the ATECC508A/608A (and the ATSHA204A before them) that closes every command and
 * response frame and serves as the summary of the Lock command.
 *
 * Convention, as in the datasheets' reference code: polynomial 0x8005, initial value 0, each byte fed
 * least-significant bit first into a register that shifts left (so the input is reflected but the
 * register is not), no final XOR, and the 16-bit result sent least-significant byte first. In the
 * usual catalogue terms this is CRC-16/ARC with the output left unreflected: it equals the 16-bit
 * bit-reversal of CRC-16/ARC, so its check value over "123456789" is 0xBCDD (ARC's is 0xBB3D).
 * Known frames: the wake token answer `04 11 33 43` and the success status `04 00 03 40`.
 */
const POLYNOMIAL = 0x8005;

/** The CRC register after `data` (a number 0..0xffff). */
export function atcaCrc16(data: Uint8Array): number {
  let crc = 0;
  for (const byte of data) {
    for (let bit = 0; bit < 8; bit++) {
      const dataBit = (byte >> bit) & 1;
      const crcBit = crc >> 15;
      crc = (crc << 1) & 0xffff;
      if (dataBit !== crcBit) crc ^= POLYNOMIAL;
    }
  }
  return crc;
}

/** The two CRC bytes as they travel on the bus: least-significant byte first. */
export function atcaCrcBytes(data: Uint8Array): Uint8Array {
  const crc = atcaCrc16(data);
  return Uint8Array.of(crc & 0xff, crc >> 8);
}
