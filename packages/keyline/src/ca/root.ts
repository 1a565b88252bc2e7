import {
  ROOT_PROFILE,
  buildTbsCertificate,
  encodeSignatureAlgorithm,
  rootCertificateFields,
  type CertificateFields,
} from '@keyline/core';
import { requireAdmin } from './authorise.js';
import { checkCurve, checkYears, insertCa } from './ca-setup.js';
import type { AuthorityContext } from './context.js';
import { newId } from './ids.js';
import { runIssuanceCycle } from './issuance-cycle.js';
import { chooseLabel } from './labels.js';
import { checkDirectoryString, displayNameDer } from './names.js';
import type { CaRecord } from './records.js';
import type { Actor, CreateRootInput } from './service-port.js';

/** A placeholder serial, only to learn the subject a recipe gives before the real serial exists. */
const PLACEHOLDER_SERIAL = Uint8Array.of(0x40, 1, 2, 3, 4, 5, 6, 7, 8);

/**
 * The root ceremony (KECP 5.1): a key made where `keyUri` says (default P-384), a self-signed
 * certificate by the root profile, issued through the cycle under the root's own id and linted
 * with the root as its own issuer. The CA record is inserted `pending` in the cycle's first
 * transaction and activated in its last, so a root is active exactly when its certificate is valid.
 * Admins only.
 */
export async function createRoot(ctx: AuthorityContext, input: CreateRootInput, actor: Actor): Promise<CaRecord> {
  requireAdmin(actor, 'create a root CA');
  const name = checkDirectoryString(input.name, 'name');
  const organization = checkDirectoryString(input.organization ?? name, 'organization');
  const curve = checkCurve(input.curve ?? 'P-384', ROOT_PROFILE.curves);
  const validityYears = checkYears(
    input.validityYears ?? Math.min(ctx.options.validityYears.root, ROOT_PROFILE.validity.maxYears ?? 25),
    ROOT_PROFILE.validity.maxYears ?? 25,
  );
  const label = await chooseLabel(ctx.store, input.label, name);
  const id = newId('ca', ctx.random);
  const { keyUri, signer } = await ctx.keys.generate({ keyUri: input.keyUri, curve, label });
  ctx.rememberSigner(keyUri, signer);
  const notBefore = ctx.now();
  const algorithm = encodeSignatureAlgorithm(signer.algorithm);
  const fields = (serial: Uint8Array): CertificateFields =>
    rootCertificateFields({
      commonName: name,
      organization,
      serial,
      notBefore,
      validityYears,
      spki: signer.publicKeySpki,
    });
  const subject = displayNameDer(fields(PLACEHOLDER_SERIAL).subject);

  let installed: CaRecord | undefined;
  await runIssuanceCycle(ctx, {
    caId: id,
    issuer: undefined,
    signer,
    actor,
    plans: [
      {
        profile: 'root',
        subject,
        buildTbs: (serial) => buildTbsCertificate({ ...fields(serial.bytes), signatureAlgorithm: algorithm }),
      },
    ],
    before: async (tx) => {
      await insertCa(ctx, tx, actor, {
        id,
        label,
        kind: 'root',
        parentId: null,
        subject,
        manufacturerId: null,
        productId: null,
        keyUri,
        certificateDer: null,
        csrDer: null,
        status: 'pending',
        fingerprint: null,
        ocspSignerDer: null,
        ocspSignerKeyUri: null,
        createdAt: notBefore,
      });
    },
    after: async (tx, [issued]) => {
      installed = await tx.cas.install(id, issued!.certificate.der, issued!.certificate.fingerprint);
      await ctx.audit(tx, actor, 'ca.activate', id, { fingerprint: issued!.certificate.fingerprint });
    },
  });
  ctx.emit({ type: 'ca-changed', caId: id });
  return installed!;
}
