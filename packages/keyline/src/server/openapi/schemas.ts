/**
 * JSON Schemas of the REST API's bodies, written once: routes validate and serialise with them,
 * and the OpenAPI document lists them under components/schemas (by object identity, see
 * openapi/document.ts). Times are RFC 3339 strings; serials lower-case hex.
 */

const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const time = { type: 'string', format: 'date-time' } as const;
const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;
const hex = { type: 'string', pattern: '^[0-9a-f]+$' } as const;

export const ProblemSchema = {
  type: 'object',
  description: 'RFC 9457 problem document; `code` is the stable Keyline error code (docs/errors.md).',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: str,
    title: str,
    status: { type: 'integer' },
    code: { type: 'string', pattern: '^ERR_[A-Z0-9_]+$' },
    detail: str,
    requestId: str,
  },
} as const;

export const CaSchema = {
  type: 'object',
  required: ['id', 'label', 'kind', 'status', 'parentId', 'subject', 'manufacturerId', 'productId', 'createdAt'],
  properties: {
    id: str,
    label: str,
    kind: { type: 'string', enum: ['root', 'manufacturer', 'issuing'] },
    status: { type: 'string', enum: ['pending', 'active', 'retired'] },
    parentId: nullableStr,
    subject: str,
    manufacturerId: nullableStr,
    productId: nullableStr,
    serial: { type: ['string', 'null'], pattern: '^[0-9a-f]+$' },
    fingerprint: nullableStr,
    notBefore: nullableTime,
    notAfter: nullableTime,
    createdAt: time,
    ocspUrl: { type: 'string', description: 'Path of the OCSP responder for certificates of this CA.' },
    crlUrl: { type: 'string', description: 'Path of the latest full CRL (DER).' },
    estUrl: { type: 'string', description: 'Path of the EST service for this CA (RFC 7030).' },
  },
} as const;

export const CaDetailSchema = {
  type: 'object',
  required: [...CaSchema.required, 'certificatePem', 'chainPem', 'ocspSignerPem'],
  properties: {
    ...CaSchema.properties,
    certificatePem: nullableStr,
    chainPem: { type: 'string', description: 'The CA certificate and its issuers up to the root, PEM.' },
    ocspSignerPem: nullableStr,
  },
} as const;

export const CaListSchema = {
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items: CaSchema } },
} as const;

const certificateProperties = {
  id: str,
  caId: str,
  serial: hex,
  profile: str,
  status: { type: 'string', enum: ['reserved', 'signing', 'valid', 'revoked', 'failed'] },
  subject: str,
  deviceId: nullableStr,
  chipSerial: nullableStr,
  requestId: nullableStr,
  notBefore: nullableTime,
  notAfter: nullableTime,
  revokedAt: nullableTime,
  revocationReason: nullableStr,
  fingerprint: nullableStr,
  createdAt: time,
} as const;

export const CertificateSchema = {
  type: 'object',
  required: ['id', 'caId', 'serial', 'profile', 'status', 'subject', 'deviceId', 'chipSerial', 'createdAt'],
  properties: certificateProperties,
} as const;

export const CertificateDetailSchema = {
  type: 'object',
  required: [...CertificateSchema.required, 'certificatePem'],
  properties: { ...certificateProperties, certificatePem: nullableStr },
} as const;

export const IssuedCertificateSchema = {
  type: 'object',
  required: [...CertificateDetailSchema.required, 'reused'],
  properties: {
    ...CertificateDetailSchema.properties,
    reused: { type: 'boolean', description: 'True when requestId matched an earlier issuance.' },
  },
} as const;

export const CertificatePageSchema = {
  type: 'object',
  required: ['items', 'next'],
  properties: {
    items: { type: 'array', items: CertificateSchema },
    next: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null at the end.' },
  },
} as const;

export const CRL_REASON_NAMES = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
  'aACompromise',
] as const;

export const RevokeRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: { reason: { type: 'string', enum: CRL_REASON_NAMES } },
} as const;

export const ISSUE_PROFILES = ['device', 'ldevid'] as const;

export const IssueRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['csr'],
  description: 'A PKCS#10 request as PEM text or base64 DER, with issuance options.',
  properties: {
    csr: { type: 'string', minLength: 1, maxLength: 16384 },
    profile: { type: 'string', enum: ISSUE_PROFILES },
    requestId: { type: 'string', minLength: 1, maxLength: 128 },
    validityDays: { type: 'integer', minimum: 1, maximum: 36500 },
  },
} as const;

export const ManufacturerSchema = {
  type: 'object',
  required: ['id', 'name', 'createdAt'],
  properties: { id: str, name: str, createdAt: time },
} as const;

export const ManufacturerListSchema = {
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items: ManufacturerSchema } },
} as const;

/** KECP 6.4 manufacturer and product ids (ID_PATTERN of @keyline/core policy/naming). */
const KECP_ID = { type: 'string', pattern: '^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$' } as const;

export const ManufacturerCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name'],
  properties: { id: KECP_ID, name: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

export const ProductSchema = {
  type: 'object',
  required: ['manufacturerId', 'id', 'name', 'createdAt'],
  properties: { manufacturerId: str, id: str, name: str, createdAt: time },
} as const;

export const ProductListSchema = {
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items: ProductSchema } },
} as const;

export const ProductCreateSchema = { ...ManufacturerCreateSchema } as const;

export const TokenSchema = {
  type: 'object',
  required: ['id', 'name', 'role', 'manufacturerId', 'createdAt', 'revokedAt'],
  properties: {
    id: str,
    name: str,
    role: { type: 'string', enum: ['admin', 'operator', 'auditor'] },
    manufacturerId: nullableStr,
    createdAt: time,
    revokedAt: nullableTime,
  },
} as const;

export const TokenListSchema = {
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items: TokenSchema } },
} as const;

export const TokenCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'role'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    role: { type: 'string', enum: ['admin', 'operator', 'auditor'] },
    manufacturerId: KECP_ID,
  },
} as const;

export const TokenCreatedSchema = {
  type: 'object',
  required: ['token', 'secret'],
  properties: {
    token: TokenSchema,
    secret: { type: 'string', description: 'The bearer token. Shown once: only its SHA-256 hash is stored.' },
  },
} as const;

export const CrlInfoSchema = {
  type: 'object',
  required: ['caId', 'number', 'thisUpdate', 'nextUpdate', 'crlUrl'],
  properties: { caId: str, number: str, thisUpdate: time, nextUpdate: time, crlUrl: str },
} as const;

export const HealthSchema = {
  type: 'object',
  required: ['status', 'database'],
  properties: { status: { type: 'string', enum: ['ok'] }, database: { type: 'string', enum: ['ok'] } },
} as const;

/** Every named schema, for components/schemas. */
export const NAMED_SCHEMAS = {
  Problem: ProblemSchema,
  Ca: CaSchema,
  CaDetail: CaDetailSchema,
  CaList: CaListSchema,
  Certificate: CertificateSchema,
  CertificateDetail: CertificateDetailSchema,
  IssuedCertificate: IssuedCertificateSchema,
  CertificatePage: CertificatePageSchema,
  IssueRequest: IssueRequestSchema,
  RevokeRequest: RevokeRequestSchema,
  Manufacturer: ManufacturerSchema,
  ManufacturerList: ManufacturerListSchema,
  ManufacturerCreate: ManufacturerCreateSchema,
  Product: ProductSchema,
  ProductList: ProductListSchema,
  Token: TokenSchema,
  TokenList: TokenListSchema,
  TokenCreate: TokenCreateSchema,
  TokenCreated: TokenCreatedSchema,
  CrlInfo: CrlInfoSchema,
  Health: HealthSchema,
} as const;
