import { KeylineError } from '@keyline/core';
import { Option, type Command } from 'commander';
import type { CaCurve } from '../../ca/service-port.js';
import {
  CURVES,
  SUBORDINATE_KINDS,
  parseCommonName,
  parseInteger,
  parseManufacturerId,
  parseProductId,
} from '../options.js';

/** The flags that describe a subordinate CA (`ca create`, `ca csr`). */
export interface SubordinateFlags {
  readonly name: string;
  readonly kind: 'manufacturer' | 'issuing';
  readonly manufacturerId: string;
  readonly productId?: string;
  readonly organization?: string;
  readonly curve?: CaCurve;
  readonly key?: string;
  readonly validityYears?: string;
  readonly label?: string;
}

/** What the CA service takes for a subordinate CA, validated. */
export interface SubordinateInput {
  readonly name: string;
  readonly kind: 'manufacturer' | 'issuing';
  readonly manufacturerId: string;
  readonly productId?: string;
  readonly organization?: string;
  readonly curve?: CaCurve;
  readonly keyUri?: string;
  readonly validityYears?: number;
  readonly label?: string;
}

export function kindOption(): Option {
  return new Option('--kind <kind>', 'manufacturer (KECP 5.2, pathLen 1) or issuing (KECP 5.3, pathLen 0)')
    .choices(SUBORDINATE_KINDS)
    .makeOptionMandatory();
}

export function addSubordinateOptions(command: Command): Command {
  return command
    .requiredOption('--name <cn>', 'common name of the CA')
    .addOption(kindOption())
    .requiredOption('--manufacturer-id <id>', 'KECP 6.4 manufacturer id (1–32 of a-z 0-9 -), e.g. a hex id')
    .option('--product-id <id>', 'KECP 6.4 product id (issuing CAs only)')
    .option('--organization <o>', 'organization name in the subject')
    .addOption(
      new Option('--curve <curve>', 'key curve (default P-384 for a manufacturer CA, P-256 for an issuing CA)').choices(
        CURVES,
      ),
    )
    .option(
      '--key <key-uri>',
      'where to make the key: file:<path> or a pkcs11: URI (default: a file in the data directory)',
    )
    .option(
      '--validity-years <n>',
      'validity in years (KECP: at most 20 manufacturer, 15 issuing; never beyond the parent)',
    )
    .option('--label <label>', 'short unique label (EST paths, display)');
}

/** A product id belongs to an issuing CA only (KECP 5.3); on a manufacturer CA it is bad usage. */
export function checkProductId(kind: 'manufacturer' | 'issuing', productId: string | undefined): string | undefined {
  if (productId === undefined) return undefined;
  if (kind !== 'issuing') {
    throw new KeylineError('ERR_CLI_BAD_OPTION', '--product-id goes with --kind issuing only (KECP 5.3): drop it', {
      option: '--product-id',
    });
  }
  return parseProductId(productId);
}

export function parseSubordinate(flags: SubordinateFlags): SubordinateInput {
  const name = parseCommonName(flags.name);
  const manufacturerId = parseManufacturerId(flags.manufacturerId);
  const productId = checkProductId(flags.kind, flags.productId);
  const validityYears =
    flags.validityYears === undefined ? undefined : parseInteger('--validity-years', flags.validityYears, 1, 50);
  return {
    name,
    kind: flags.kind,
    manufacturerId,
    ...(productId === undefined ? {} : { productId }),
    ...(flags.organization === undefined ? {} : { organization: flags.organization }),
    ...(flags.curve === undefined ? {} : { curve: flags.curve }),
    ...(flags.key === undefined ? {} : { keyUri: flags.key }),
    ...(validityYears === undefined ? {} : { validityYears }),
    ...(flags.label === undefined ? {} : { label: flags.label }),
  };
}
