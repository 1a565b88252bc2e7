import { fail } from '../../errors/keyline-error.js';

/** OCSPResponseStatus (RFC 6960 4.2.1); value 4 is not used. */
export const OCSP_RESPONSE_STATUSES = {
  successful: 0,
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  sigRequired: 5,
  unauthorized: 6,
} as const;

export type OcspResponseStatus = keyof typeof OCSP_RESPONSE_STATUSES;

/** The statuses of an error response (every status but `successful`). */
export type OcspErrorStatus = Exclude<OcspResponseStatus, 'successful'>;

const BY_CODE: ReadonlyMap<number, OcspResponseStatus> = new Map(
  (Object.entries(OCSP_RESPONSE_STATUSES) as Array<[OcspResponseStatus, number]>).map(([name, code]) => [code, name]),
);

export function ocspResponseStatusFromCode(code: bigint): OcspResponseStatus {
  const name = code >= 0n && code <= 0xffn ? BY_CODE.get(Number(code)) : undefined;
  if (name === undefined) fail('ERR_OCSP_BAD_STATUS', `OCSP response status ${code} is not defined by RFC 6960 4.2.1`);
  return name;
}
