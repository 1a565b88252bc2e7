/**
 * What the registry knows of each code: its fixed message and its kind.
 * - `input`: malformed input from outside (maps to HTTP 400, CLI exit 2).
 * - `invalid`: well-formed input that is refused on its merits (HTTP 422, CLI exit 1).
 * - `state`: the request conflicts with stored state (HTTP 409, CLI exit 1).
 * - `auth`: authentication or authorisation failed (HTTP 401/403, CLI exit 1).
 * - `internal`: a fault of ours or of a dependency (HTTP 500, CLI exit 3).
 */
export type ErrorKind = 'input' | 'invalid' | 'state' | 'auth' | 'internal';

export interface ErrorSpec {
  readonly message: string;
  readonly kind: ErrorKind;
}
