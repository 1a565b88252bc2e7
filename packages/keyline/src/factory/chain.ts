import {
  Certificate,
  chainDefinitionFor,
  compileChainDefinition,
  compressSignerCertificate,
  deviceTemplateForIssuer,
  encodeSignerKeySlot,
  fail,
  isKeylineError,
  KeylineError,
  type ChainDefinition,
  type CompiledChainDefinition,
  type DeviceTemplate,
} from '@keyline/core';
import type { CaRecord } from '../ca/records.js';
import type { Store } from '../ca/store-port.js';

/** What the line needs about the issuing CA, prepared once per batch. */
export interface BatchChain {
  readonly ca: CaRecord;
  readonly issuing: Certificate;
  /** The issuing CA first, then each CA above it up to and not including the root (the manifest header's). */
  readonly issuerChain: readonly Uint8Array[];
  /** The root at the top of the chain. */
  readonly root: Uint8Array | undefined;
  readonly definition: ChainDefinition;
  readonly compiled: CompiledChainDefinition;
  /** Compresses device certificates (compiled from the issuing CA certificate alone). */
  readonly deviceTemplate: DeviceTemplate;
  /** The compressed issuing CA certificate every chip of the batch holds in slot 8. */
  readonly signerCompressed: Uint8Array;
  /** Slot 9: the issuing CA's key. */
  readonly slot9: Uint8Array;
}

/**
 * The chain definition of the devices `ca` issues for `productId` (core's `chainDefinitionFor`: the
 * issuing CA's signer recipe, checked by compressing its certificate), with the device options the
 * CA core compiles its template with (the CRL and OCSP pointers under `publicUrl`, as
 * ca/device-issue.ts adds them). Refuses a CA that cannot provision (ERR_FACTORY_CA_UNSUITABLE) or
 * whose certificate is not compressible (ERR_FACTORY_CA_NOT_COMPRESSIBLE).
 */
export async function prepareBatchChain(
  store: Store,
  caId: string,
  productId: string,
  publicUrl?: string,
): Promise<BatchChain> {
  const ca = await store.cas.get(caId);
  if (ca === undefined) fail('ERR_CA_NOT_FOUND', `no CA with id "${caId.slice(0, 80)}"`);
  if (ca.status !== 'active' || ca.certificateDer === null) {
    fail('ERR_FACTORY_CA_UNSUITABLE', `CA ${ca.label} is ${ca.status}; only an active CA provisions`);
  }
  if (ca.kind !== 'issuing' || ca.parentId === null) {
    fail(
      'ERR_FACTORY_CA_UNSUITABLE',
      `CA ${ca.label} is a ${ca.kind} CA: the line needs an issuing CA (its certificate is stored in every chip)`,
    );
  }
  if (ca.productId !== null && ca.productId !== productId) {
    fail('ERR_FACTORY_BAD_INPUT', `CA ${ca.label} issues for product "${ca.productId}", not "${productId}"`);
  }
  const issuerChain: Uint8Array[] = [ca.certificateDer];
  let root: Uint8Array | undefined;
  let parent = await store.cas.get(ca.parentId);
  const manufacturer = parent;
  for (let depth = 0; parent !== undefined && depth < 8; depth++) {
    if (parent.certificateDer === null) break;
    if (parent.kind === 'root') {
      root = parent.certificateDer;
      break;
    }
    issuerChain.push(parent.certificateDer);
    parent = parent.parentId === null ? undefined : await store.cas.get(parent.parentId);
  }
  if (manufacturer?.certificateDer == null) {
    fail('ERR_FACTORY_CA_UNSUITABLE', `the parent of CA ${ca.label} has no certificate in this store`);
  }
  const issuing = Certificate.fromDer(ca.certificateDer);
  let definition: ChainDefinition;
  try {
    definition = chainDefinitionFor(issuing, manufacturer.certificateDer, {
      productId,
      ...(publicUrl !== undefined && {
        crlDistributionPoints: [`${publicUrl}/crl/${ca.id}.crl`],
        ocspUrl: `${publicUrl}/ocsp/${ca.id}`,
      }),
    });
  } catch (error) {
    if (isKeylineError(error, 'ERR_CHAIN_DEFINITION_MISMATCH')) {
      throw new KeylineError(
        'ERR_FACTORY_CA_NOT_COMPRESSIBLE',
        `CA ${ca.label}: ${error.message}`,
        { caId: ca.id },
        { cause: error },
      );
    }
    throw error;
  }
  let station: StationChain;
  try {
    station = stationChain(issuing, definition);
  } catch (error) {
    if (isKeylineError(error)) {
      throw new KeylineError(
        'ERR_FACTORY_CA_UNSUITABLE',
        `CA ${ca.label} cannot sign compressible device certificates: ${error.message}`,
        { caId: ca.id },
        { cause: error },
      );
    }
    throw error;
  }
  return { ca, issuerChain, root, ...station };
}

/**
 * What a station needs of a batch's chain (station.ts), built from the issuing CA certificate and
 * the chain definition alone: what a station thread rebuilds from the two (station-thread.ts).
 * Throws the core's error when the CA cannot sign compressible device certificates.
 */
export type StationChain = Pick<
  BatchChain,
  'issuing' | 'definition' | 'compiled' | 'deviceTemplate' | 'signerCompressed' | 'slot9'
>;

export function stationChain(issuing: Certificate, definition: ChainDefinition): StationChain {
  const compiled = compileChainDefinition(definition);
  const deviceTemplate = deviceTemplateForIssuer(issuing, definition.device);
  const slot9 = encodeSignerKeySlot(issuing.spki);
  return {
    issuing,
    definition,
    compiled,
    deviceTemplate,
    signerCompressed: compressSignerCertificate(compiled.signerTemplate, issuing.der),
    slot9,
  };
}

/**
 * The chain definition firmware embeds for the devices of an issuing CA (`keyline factory
 * definition`): the product id is the CA's unless given (required when the CA carries none).
 */
export async function definitionForCa(
  store: Store,
  caId: string,
  options: { readonly productId?: string; readonly publicUrl?: string } = {},
): Promise<ChainDefinition> {
  const ca = await store.cas.get(caId);
  if (ca === undefined) fail('ERR_CA_NOT_FOUND', `no CA with id "${caId.slice(0, 80)}"`);
  const productId = options.productId ?? ca.productId ?? undefined;
  if (productId === undefined) {
    fail('ERR_FACTORY_BAD_INPUT', `CA ${ca.label} carries no product id: give the devices' product id`);
  }
  return (await prepareBatchChain(store, caId, productId, options.publicUrl)).definition;
}
