import { KeylineError } from '@keyline/core';
import type { FastifyInstance } from 'fastify';
import type { ManufacturerRecord, ProductRecord } from '../../../ca/records.js';
import { requireRole } from '../../auth/authorise.js';
import { actorOf, type RouteConfig, type ServerContext } from '../../context.js';
import {
  ManufacturerCreateSchema,
  ManufacturerListSchema,
  ManufacturerSchema,
  ProductCreateSchema,
  ProductListSchema,
  ProductSchema,
} from '../../openapi/schemas.js';
import { manufacturerView, productView } from '../../views.js';
import type { Actor } from '../../../ca/service-port.js';

const manufacturerParams = {
  type: 'object',
  required: ['manufacturerId'],
  properties: { manufacturerId: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

/** An operator sees and changes only its own manufacturer (issue 3, 4). */
function requireManufacturerAccess(actor: Actor, manufacturerId: string): void {
  if (actor.role === 'operator' && actor.manufacturerId !== manufacturerId) {
    throw new KeylineError(
      'ERR_SERVER_FORBIDDEN',
      `this token may only use manufacturer ${actor.manufacturerId ?? '(none)'}`,
    );
  }
}

/** /api/v1/manufacturers and their products. */
export function registerManufacturerRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/api/v1/manufacturers',
    {
      schema: { response: { 200: ManufacturerListSchema } },
      config: {
        auth: 'token',
        openapi: {
          summary: 'List manufacturers',
          description: 'An operator sees only its own manufacturer.',
          tags: ['Manufacturers'],
          roles: ['admin', 'operator', 'auditor'],
          security: ['bearer'],
          errors: [401],
        },
      } satisfies RouteConfig,
    },
    async (request) => {
      const actor = actorOf(request);
      const all = await ctx.store.manufacturers.list();
      return {
        items: all.filter((m) => actor.role !== 'operator' || m.id === actor.manufacturerId).map(manufacturerView),
      };
    },
  );

  app.post<{ Body: { id: string; name: string } }>(
    '/api/v1/manufacturers',
    {
      schema: { body: ManufacturerCreateSchema, response: { 201: ManufacturerSchema } },
      config: {
        auth: 'token',
        openapi: {
          summary: 'Admit a manufacturer',
          description: 'The id is the KECP 6.4 manufacturer id carried in its CAs and devices.',
          tags: ['Manufacturers'],
          roles: ['admin'],
          security: ['bearer'],
          errors: [400, 401, 403, 409, 415],
        },
      } satisfies RouteConfig,
    },
    async (request, reply) => {
      const actor = actorOf(request);
      requireRole(actor, ['admin'], 'admitting a manufacturer');
      const record: ManufacturerRecord = { id: request.body.id, name: request.body.name, createdAt: ctx.clock.now() };
      const created = await ctx.store.transaction(async (tx) => {
        const inserted = await tx.manufacturers.insert(record);
        await ctx.audit(
          tx,
          {
            actor: actor.id,
            action: 'manufacturer.create',
            target: record.id,
            details: { name: record.name },
          },
          ctx.clock,
        );
        return inserted;
      });
      reply.code(201);
      return manufacturerView(created);
    },
  );

  app.get<{ Params: { manufacturerId: string } }>(
    '/api/v1/manufacturers/:manufacturerId',
    {
      schema: { params: manufacturerParams, response: { 200: ManufacturerSchema } },
      config: {
        auth: 'token',
        openapi: {
          summary: 'Manufacturer detail',
          tags: ['Manufacturers'],
          roles: ['admin', 'operator', 'auditor'],
          security: ['bearer'],
          errors: [401, 403, 404],
        },
      } satisfies RouteConfig,
    },
    async (request) => {
      requireManufacturerAccess(actorOf(request), request.params.manufacturerId);
      return manufacturerView(await getManufacturer(ctx, request.params.manufacturerId));
    },
  );

  app.get<{ Params: { manufacturerId: string } }>(
    '/api/v1/manufacturers/:manufacturerId/products',
    {
      schema: { params: manufacturerParams, response: { 200: ProductListSchema } },
      config: {
        auth: 'token',
        openapi: {
          summary: 'List a manufacturer’s products',
          tags: ['Manufacturers'],
          roles: ['admin', 'operator', 'auditor'],
          security: ['bearer'],
          errors: [401, 403, 404],
        },
      } satisfies RouteConfig,
    },
    async (request) => {
      requireManufacturerAccess(actorOf(request), request.params.manufacturerId);
      const manufacturer = await getManufacturer(ctx, request.params.manufacturerId);
      return { items: (await ctx.store.manufacturers.listProducts(manufacturer.id)).map(productView) };
    },
  );

  app.post<{ Params: { manufacturerId: string }; Body: { id: string; name: string } }>(
    '/api/v1/manufacturers/:manufacturerId/products',
    {
      schema: { params: manufacturerParams, body: ProductCreateSchema, response: { 201: ProductSchema } },
      config: {
        auth: 'token',
        openapi: {
          summary: 'Add a product',
          description: 'The id is the KECP 6.4 product id. An operator may add products to its own manufacturer.',
          tags: ['Manufacturers'],
          roles: ['admin', 'operator'],
          security: ['bearer'],
          errors: [400, 401, 403, 404, 409, 415],
        },
      } satisfies RouteConfig,
    },
    async (request, reply) => {
      const actor = actorOf(request);
      requireRole(actor, ['admin', 'operator'], 'adding a product');
      requireManufacturerAccess(actor, request.params.manufacturerId);
      const manufacturer = await getManufacturer(ctx, request.params.manufacturerId);
      const record: ProductRecord = {
        manufacturerId: manufacturer.id,
        id: request.body.id,
        name: request.body.name,
        createdAt: ctx.clock.now(),
      };
      const created = await ctx.store.transaction(async (tx) => {
        const inserted = await tx.manufacturers.insertProduct(record);
        await ctx.audit(
          tx,
          {
            actor: actor.id,
            action: 'product.create',
            target: `${record.manufacturerId}:${record.id}`,
            details: { name: record.name },
          },
          ctx.clock,
        );
        return inserted;
      });
      reply.code(201);
      return productView(created);
    },
  );
}

async function getManufacturer(ctx: ServerContext, id: string): Promise<ManufacturerRecord> {
  const manufacturer = await ctx.store.manufacturers.get(id);
  if (manufacturer === undefined) throw new KeylineError('ERR_SERVER_NOT_FOUND', `no manufacturer ${id}`);
  return manufacturer;
}
