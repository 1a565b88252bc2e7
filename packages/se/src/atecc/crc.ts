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

/**
 * Computed a byte at a time (every frame of every command passes through it twice): the CRC equals
 * the 16-bit bit reversal of CRC-16/ARC, whose reflected register takes a byte per table look-up
 * (polynomial 0xA001, the bit reversal of 0x8005); the result is reversed once at the end.
 */
const REFLECTED_POLYNOMIAL = 0xa001;

const ARC_TABLE = Uint16Array.from({ length: 256 }, (_, index) => {
  let crc = index;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ REFLECTED_POLYNOMIAL : crc >>> 1;
  return crc;
});

/** Each byte with its bits in reverse order. */
const REVERSED_BYTE = Uint8Array.from({ length: 256 }, (_, value) => {
  let out = 0;
  for (let bit = 0; bit < 8; bit++) out |= ((value >> bit) & 1) << (7 - bit);
  return out;
});

/** The CRC register after the first `length` bytes of `data` (default all; a number 0..0xffff). */
export function atcaCrc16(data: Uint8Array, length: number = data.length): number {
  let crc = 0;
  for (let i = 0; i < length; i++) crc = (crc >>> 8) ^ ARC_TABLE[(crc ^ data[i]!) & 0xff]!;
  return (REVERSED_BYTE[crc & 0xff]! << 8) | REVERSED_BYTE[crc >>> 8]!;
}

/** The reference form of `atcaCrc16`, bit by bit as the datasheet's code does it (for tests). */
export function atcaCrc16Bitwise(data: Uint8Array): number {
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

/** Closes a frame: its last two bytes become the CRC of the bytes before them. */
export function sealFrame(frame: Uint8Array): void {
  const crc = atcaCrc16(frame, frame.length - 2);
  frame[frame.length - 2] = crc & 0xff;
  frame[frame.length - 1] = crc >> 8;
}

/** Whether a frame's last two bytes are the CRC of the bytes before them. */
export function frameCrcMatches(frame: Uint8Array): boolean {
  const crc = frame[frame.length - 2]! | (frame[frame.length - 1]! << 8);
  return crc === atcaCrc16(frame, frame.length - 2);
}
