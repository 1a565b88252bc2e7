/** The OpenAPI facts of a route that its Fastify schema cannot carry. */
export interface RouteDoc {
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  /** Roles allowed (documentation; the handler enforces them). */
  readonly roles?: readonly ('admin' | 'operator' | 'auditor')[];
  /** Security schemes accepted (names in components/securitySchemes); none means public. */
  readonly security?: readonly ('bearer' | 'basic' | 'mutualTLS')[];
  /** Request bodies that are not JSON: media type → description. */
  readonly rawBody?: Readonly<Record<string, string>>;
  /** Responses that are not JSON: status → { media type, description }. */
  readonly rawResponses?: Readonly<Record<string, { readonly type: string; readonly description: string }>>;
  /** Error statuses answered with a problem document. */
  readonly errors?: readonly number[];
}
