import { createHash, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { ecdsaSignatureFromRaw, fail, type CurveSpec, type SignerAlgorithm } from '@keyline/core';
import type { CaCurve } from '../../ca/service-port.js';
import type { KeySigner } from '../key-signer.js';
import { formatPkcs11KeyUri, type Pkcs11KeyUri } from '../uri/pkcs11-uri.js';
import { curveOfEcParams, ecParamsOf, ecPointOf, ecSpki, TOKEN_CURVES } from './ec-key.js';
import type { TokenSessions } from './token-sessions.js';

type Template = Array<{ type: number; value?: number | boolean | string | Buffer }>;

// Signed and verified once when a key is opened: proves the public key object found on the token
// belongs to the private key (FIPS 140 calls this a pairwise consistency test).
const CONSISTENCY_MESSAGE = Buffer.from('Keyline: PKCS#11 pairwise consistency test', 'utf8');

/**
 * Generates an EC key pair on the token (C_GenerateKeyPair with CKM_EC_KEY_PAIR_GEN, PKCS#11 v2.40
 * curr. mech. 2.3.4). The private key is a token object that is private, sensitive, never
 * extractable, sign-only (CKA_DECRYPT, CKA_UNWRAP, CKA_DERIVE false); CKA_LABEL is the URI's object= (else `label`) and
 * CKA_ID the URI's id= (else SHA-1 of the public point, which equals the certificate's subject key
 * identifier by RFC 5280 4.2.1.2 method 1). A private key that already has that label or id is
 * ERR_KEY_EXISTS. Returns the signer of the new key.
 */
export function generateTokenKey(
  sessions: TokenSessions,
  uri: Pkcs11KeyUri,
  curveName: CaCurve,
  label: string,
): KeySigner {
  const { api, lib } = sessions.module;
  const curve = TOKEN_CURVES.find((c) => c.name === curveName);
  if (curve === undefined) throw new TypeError(`unsupported curve ${String(curveName)}`);
  if (uri.type !== undefined && uri.type !== 'private') {
    fail('ERR_KEY_BAD_URI', `a key URI names a private key, not type=${uri.type}`);
  }
  const objectLabel = uri.object ?? label;
  if (objectLabel === '') fail('ERR_KEY_BAD_URI', 'a new token key needs a label: object= in the URI');
  let id = uri.id === undefined ? undefined : Buffer.from(uri.id);
  // First the search (retried if the token had dropped the session), then the generation, which
  // must not run twice.
  sessions.runSync('key lookup', (session) => {
    const clash = [
      ...findObjects(sessions, session, [
        { type: lib.CKA_CLASS, value: lib.CKO_PRIVATE_KEY },
        { type: lib.CKA_LABEL, value: objectLabel },
      ]),
      ...(id === undefined
        ? []
        : findObjects(sessions, session, [
            { type: lib.CKA_CLASS, value: lib.CKO_PRIVATE_KEY },
            { type: lib.CKA_ID, value: id },
          ])),
    ];
    if (clash.length > 0) {
      fail('ERR_KEY_EXISTS', `the token already has a private key labelled "${objectLabel}" or with that id`);
    }
  });
  sessions.runSync(
    'key generation',
    (session) => {
      const common = (idValue: Buffer | undefined): Template => [
        { type: lib.CKA_TOKEN, value: true },
        { type: lib.CKA_LABEL, value: objectLabel },
        ...(idValue === undefined ? [] : [{ type: lib.CKA_ID, value: idValue }]),
      ];
      // Least privilege: a CA key signs, nothing else (no decrypt, unwrap or derive, which some
      // tokens turn on by default).
      const pair = api.C_GenerateKeyPair(
        session,
        { mechanism: lib.CKM_EC_KEY_PAIR_GEN },
        [
          { type: lib.CKA_CLASS, value: lib.CKO_PUBLIC_KEY },
          { type: lib.CKA_KEY_TYPE, value: lib.CKK_EC },
          { type: lib.CKA_EC_PARAMS, value: ecParamsOf(curve) },
          { type: lib.CKA_PRIVATE, value: false },
          { type: lib.CKA_VERIFY, value: true },
          { type: lib.CKA_ENCRYPT, value: false },
          { type: lib.CKA_WRAP, value: false },
          { type: lib.CKA_DERIVE, value: false },
          ...common(id),
        ],
        [
          { type: lib.CKA_CLASS, value: lib.CKO_PRIVATE_KEY },
          { type: lib.CKA_KEY_TYPE, value: lib.CKK_EC },
          { type: lib.CKA_PRIVATE, value: true },
          { type: lib.CKA_SENSITIVE, value: true },
          { type: lib.CKA_EXTRACTABLE, value: false },
          { type: lib.CKA_SIGN, value: true },
          { type: lib.CKA_DECRYPT, value: false },
          { type: lib.CKA_UNWRAP, value: false },
          { type: lib.CKA_DERIVE, value: false },
          ...common(id),
        ],
      );
      if (id === undefined) {
        const point = ecPointOf(attribute(sessions, session, pair.publicKey, lib.CKA_EC_POINT), curve);
        id = createHash('sha1').update(point).digest();
        try {
          for (const handle of [pair.publicKey, pair.privateKey]) {
            api.C_SetAttributeValue(session, handle, [{ type: lib.CKA_ID, value: id }]);
          }
        } catch (error) {
          // Leave no unnamed key behind: a key nobody can find again is a key nobody can audit.
          for (const handle of [pair.publicKey, pair.privateKey]) {
            try {
              api.C_DestroyObject(session, handle);
            } catch {
              // Best effort.
            }
          }
          throw error;
        }
      }
    },
    false,
  );
  const named: Pkcs11KeyUri = { ...uri, object: objectLabel, id: id!, type: 'private' };
  return openTokenKey(sessions, named);
}

/**
 * Opens the private key the URI names (object= and/or id= on the token `sessions` serve): an EC key
 * on P-256 or P-384 (ERR_CRYPTO_UNSUPPORTED_SIGNING_KEY otherwise) that may sign and that the token
 * keeps sensitive and unextractable (ERR_KEY_NOT_PROTECTED otherwise). Its public key comes from the
 * public key object with the same CKA_ID (else CKA_LABEL), checked by one signature. CKA_VALUE is
 * never asked for.
 */
export function openTokenKey(sessions: TokenSessions, uri: Pkcs11KeyUri): KeySigner {
  const { api, lib } = sessions.module;
  if (uri.object === undefined && uri.id === undefined) {
    fail('ERR_KEY_BAD_URI', 'a pkcs11: key URI needs object= or id= to name the key');
  }
  if (uri.type !== undefined && uri.type !== 'private') {
    fail('ERR_KEY_BAD_URI', `a key URI names a private key, not type=${uri.type}`);
  }
  const selector: Template = [
    { type: lib.CKA_CLASS, value: lib.CKO_PRIVATE_KEY },
    ...(uri.object === undefined ? [] : [{ type: lib.CKA_LABEL, value: uri.object }]),
    ...(uri.id === undefined ? [] : [{ type: lib.CKA_ID, value: Buffer.from(uri.id) }]),
  ];
  let handle: { value: Buffer; generation: number } | undefined;
  const locate = (session: Buffer): Buffer => {
    if (handle === undefined || handle.generation !== sessions.generation) {
      const found = findObjects(sessions, session, selector, 2);
      if (found.length === 0) fail('ERR_KEY_NOT_FOUND', 'no private key on the token matches the key URI');
      if (found.length > 1) fail('ERR_KEY_BAD_URI', 'several private keys match the key URI: add id= or object=');
      handle = { value: found[0]!, generation: sessions.generation };
    }
    return handle.value;
  };

  const { curve, id, label, spki } = sessions.runSync('key lookup', (session) => {
    const privateKey = locate(session);
    const keyType = ulong(attribute(sessions, session, privateKey, lib.CKA_KEY_TYPE));
    const params = attribute(sessions, session, privateKey, lib.CKA_EC_PARAMS, true);
    const keyCurve = keyType === lib.CKK_EC && params !== undefined ? curveOfEcParams(params) : undefined;
    if (keyCurve === undefined) {
      fail('ERR_CRYPTO_UNSUPPORTED_SIGNING_KEY', 'the token key is not an EC key on P-256 or P-384');
    }
    if (!flag(attribute(sessions, session, privateKey, lib.CKA_SIGN))) {
      fail('ERR_KEY_NOT_PROTECTED', 'the token key may not sign (CKA_SIGN is false)');
    }
    const sensitive = flag(attribute(sessions, session, privateKey, lib.CKA_SENSITIVE));
    const extractable = flag(attribute(sessions, session, privateKey, lib.CKA_EXTRACTABLE));
    if (!sensitive || extractable) {
      fail('ERR_KEY_NOT_PROTECTED', `the token key has CKA_SENSITIVE ${sensitive}, CKA_EXTRACTABLE ${extractable}`);
    }
    const keyId = attribute(sessions, session, privateKey, lib.CKA_ID, true) ?? Buffer.alloc(0);
    const keyLabel = attribute(sessions, session, privateKey, lib.CKA_LABEL, true)?.toString('utf8') ?? '';
    const publicSelector: Template = [
      { type: lib.CKA_CLASS, value: lib.CKO_PUBLIC_KEY },
      keyId.length > 0 ? { type: lib.CKA_ID, value: keyId } : { type: lib.CKA_LABEL, value: keyLabel },
    ];
    for (const candidate of findObjects(sessions, session, publicSelector, 8)) {
      const candidateParams = attribute(sessions, session, candidate, lib.CKA_EC_PARAMS, true);
      if (candidateParams === undefined || curveOfEcParams(candidateParams) !== keyCurve) continue;
      const point = ecPointOf(attribute(sessions, session, candidate, lib.CKA_EC_POINT), keyCurve);
      const { spki: candidateSpki, publicKey } = ecSpki(point, keyCurve);
      if (pairwiseConsistent(sessions, session, privateKey, keyCurve, publicKey)) {
        return { curve: keyCurve, id: keyId, label: keyLabel, spki: candidateSpki };
      }
    }
    return fail('ERR_KEY_NOT_FOUND', 'no public key object on the token matches the private key');
  });

  const algorithm: SignerAlgorithm = `ecdsa-${curve.hash}` as SignerAlgorithm;
  const rawLength = 2 * curve.size;
  const mechanism = { mechanism: lib.CKM_ECDSA };
  const digestOf = (data: Uint8Array): Buffer => {
    if (!(data instanceof Uint8Array)) throw new TypeError('sign needs a Uint8Array');
    return createHash(curve.hash).update(data).digest();
  };
  const signSync = (data: Uint8Array): Uint8Array => {
    const digest = digestOf(data);
    const raw = sessions.runSync('signing', (session) => {
      // CKM_ECDSA signs a digest made here (v2.40 curr. mech. 2.3.6): the token never sees the TBS.
      api.C_SignInit(session, mechanism, locate(session));
      return api.C_Sign(session, digest, Buffer.alloc(rawLength));
    });
    return derSignature(raw, rawLength);
  };
  const sign = async (data: Uint8Array): Promise<Uint8Array> => {
    const digest = digestOf(data);
    const raw = await sessions.runAsync('signing', (session) => {
      const key = locate(sessions.session());
      api.C_SignInit(session, mechanism, key);
      return api.C_SignAsync(session, digest, Buffer.alloc(rawLength));
    });
    return derSignature(raw, rawLength);
  };
  const keyUri = formatPkcs11KeyUri({
    ...uri,
    ...(uri.token === undefined && uri.serial === undefined ? { token: sessions.token.label } : {}),
    object: label,
    id,
    type: 'private',
  });
  return Object.freeze({
    keyUri,
    backend: 'pkcs11' as const,
    curve: curve.name as CaCurve,
    algorithm,
    publicKeySpki: spki,
    sign,
    signSync,
  });
}

/**
 * Destroys the key pair the URI names (C_DestroyObject, PKCS#11 v2.40 section 5.7): the private key
 * and the public key objects with its CKA_ID (else its CKA_LABEL). Exactly one private key must
 * match (ERR_KEY_BAD_URI for several); none is not an error (already destroyed).
 */
export function destroyTokenKey(sessions: TokenSessions, uri: Pkcs11KeyUri): void {
  const { api, lib } = sessions.module;
  if (uri.object === undefined && uri.id === undefined) {
    fail('ERR_KEY_BAD_URI', 'a pkcs11: key URI needs object= or id= to name the key');
  }
  sessions.runSync(
    'key destruction',
    (session) => {
      const found = findObjects(
        sessions,
        session,
        [
          { type: lib.CKA_CLASS, value: lib.CKO_PRIVATE_KEY },
          ...(uri.object === undefined ? [] : [{ type: lib.CKA_LABEL, value: uri.object }]),
          ...(uri.id === undefined ? [] : [{ type: lib.CKA_ID, value: Buffer.from(uri.id) }]),
        ],
        2,
      );
      if (found.length === 0) return;
      if (found.length > 1) fail('ERR_KEY_BAD_URI', 'several private keys match the key URI: add id= or object=');
      const privateKey = found[0]!;
      const keyId = attribute(sessions, session, privateKey, lib.CKA_ID, true) ?? Buffer.alloc(0);
      const keyLabel = attribute(sessions, session, privateKey, lib.CKA_LABEL, true)?.toString('utf8') ?? '';
      const publicKeys = findObjects(sessions, session, [
        { type: lib.CKA_CLASS, value: lib.CKO_PUBLIC_KEY },
        keyId.length > 0 ? { type: lib.CKA_ID, value: keyId } : { type: lib.CKA_LABEL, value: keyLabel },
      ]);
      api.C_DestroyObject(session, privateKey);
      for (const publicKey of publicKeys) api.C_DestroyObject(session, publicKey);
    },
    // Retried on a new session if the token dropped this one: a second search finds what is left.
  );
}

/** PKCS#11 returns ECDSA signatures as r || s (v2.40 curr. mech. 2.3.1); X.509 carries the DER form. */
function derSignature(raw: Buffer, rawLength: number): Uint8Array {
  if (raw.length !== rawLength) fail('ERR_KEY_PKCS11', `the token returned a ${raw.length}-octet ECDSA signature`);
  return ecdsaSignatureFromRaw(raw);
}

function pairwiseConsistent(
  sessions: TokenSessions,
  session: Buffer,
  privateKey: Buffer,
  curve: CurveSpec,
  publicKey: KeyObject,
): boolean {
  const { api, lib } = sessions.module;
  const digest = createHash(curve.hash).update(CONSISTENCY_MESSAGE).digest();
  api.C_SignInit(session, { mechanism: lib.CKM_ECDSA }, privateKey);
  const raw = api.C_Sign(session, digest, Buffer.alloc(2 * curve.size));
  if (raw.length !== 2 * curve.size) return false;
  return nodeVerify(curve.hash, CONSISTENCY_MESSAGE, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw);
}

function findObjects(sessions: TokenSessions, session: Buffer, template: Template, max = 8): Buffer[] {
  const { api } = sessions.module;
  api.C_FindObjectsInit(session, template);
  try {
    return api.C_FindObjects(session, max);
  } finally {
    api.C_FindObjectsFinal(session);
  }
}

function attribute(sessions: TokenSessions, session: Buffer, object: Buffer, type: number): Buffer;
function attribute(
  sessions: TokenSessions,
  session: Buffer,
  object: Buffer,
  type: number,
  optional: true,
): Buffer | undefined;
function attribute(
  sessions: TokenSessions,
  session: Buffer,
  object: Buffer,
  type: number,
  optional = false,
): Buffer | undefined {
  try {
    const [result] = sessions.module.api.C_GetAttributeValue(session, object, [{ type }]);
    return result?.value;
  } catch (error) {
    if (optional) return undefined;
    throw error;
  }
}

/** A CK_BBOOL attribute value. */
function flag(value: Buffer): boolean {
  return value.length > 0 && value[0] !== 0;
}

/** A CK_ULONG attribute value (native byte order: little-endian on the platforms Keyline runs on). */
function ulong(value: Buffer): number {
  return value.length === 0 ? -1 : value.readUIntLE(0, Math.min(value.length, 6));
}
