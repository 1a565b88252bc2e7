import { KeylineError } from '@keyline/core';

/**
 * Value parsers of `keyline factory`'s options, shared by the flags and the job file
 * (cli/factory-job.ts) so both refuse the same values with the same words. `option` names where
 * the value came from (`--count`, or `"count" in job.json`) and starts the message.
 */

/** A whole number from 1 to `max` (`--count`, `--stations`), or ERR_CLI_BAD_OPTION. */
export function parseWholeNumber(value: string, option: string, max: number): number {
  if (!/^\d{1,10}$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new KeylineError(
      'ERR_CLI_BAD_OPTION',
      `${option} must be a whole number from 1 to ${max}, not "${value.slice(0, 20)}"`,
    );
  }
  return Number(value);
}

/** `--public-url` as the CA core takes it (http or https, no trailing slash), or ERR_CLI_BAD_OPTION. */
export function parsePublicUrl(value: string, option = '--public-url'): string {
  const url = value.replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(url) || url.length > 200) {
    throw new KeylineError('ERR_CLI_BAD_OPTION', `${option} must be an http(s) URL, not "${value.slice(0, 60)}"`);
  }
  return url;
}
