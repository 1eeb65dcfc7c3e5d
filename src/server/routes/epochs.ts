// GET /v1/epochs (every epoch, in id order) and GET /v1/epochs/:id (one epoch by id).
import type { FastifyInstance } from 'fastify';
import type { StemeDB } from '../../index.js';
import { HttpError } from '../http-error.js';
import { typedFields } from '../query-strings.js';
import { epochIdSchema, errorResponses } from '../schemas/common.js';
import { storedEpochSchema } from '../schemas/records.js';

const params = { type: 'object', required: ['id'], additionalProperties: false, properties: { id: epochIdSchema } } as const;

export function epochRoutes(app: FastifyInstance, db: StemeDB): void {
  app.get(
    '/v1/epochs',
    {
      schema: {
        summary: 'Every epoch, in id order',
        tags: ['reads'],
        response: { 200: { type: 'object', required: ['epochs'], properties: { epochs: { type: 'array', items: storedEpochSchema } } }, ...errorResponses },
      },
    },
    async () => ({ epochs: db.epochs() }),
  );

  app.get<{ Params: { id: number } }>(
    '/v1/epochs/:id',
    {
      preValidation: typedFields('params', { integers: ['id'] }),
      schema: {
        summary: 'One epoch by id',
        tags: ['reads'],
        params,
        response: { 200: { type: 'object', required: ['epoch'], properties: { epoch: storedEpochSchema } }, ...errorResponses },
      },
    },
    async (request) => {
      const epoch = db.epoch(request.params.id);
      if (epoch === undefined) throw new HttpError(404, 'NOT_FOUND', `no epoch with id ${request.params.id}`);
      return { epoch };
    },
  );
}
