/** The cash server's HTTP API, described for clients and for people (served at /api/v1/openapi.json). */
export const openapi = {
  openapi: '3.1.0',
  info: {
    title: 'OpenKassa cash server',
    version: '0.1.0',
    description: 'Fiscal relay with store-and-forward and the central fiscal database.',
  },
  paths: {
    '/healthz': {
      get: {
        summary: 'Liveness and database check',
        responses: { '200': { description: 'ok' }, '503': { description: 'database unreachable' } },
      },
    },
    '/metrics': {
      get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format' } } },
    },
    '/api/v1/fiscal/backlog': {
      get: {
        summary: 'Per ФН: unconfirmed documents, age of the oldest, last seen, warning level',
        parameters: [
          {
            name: 'all',
            in: 'query',
            description: 'also list ФН with nothing unconfirmed',
            schema: { type: 'boolean' },
          },
        ],
        responses: {
          '200': {
            description: 'backlog',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Backlog' } } },
          },
        },
      },
    },
    '/api/v1/fiscal/documents': {
      get: {
        summary: 'Fiscal documents with their delivery state',
        parameters: [
          { name: 'fn', in: 'query', required: true, schema: { type: 'string', pattern: '^[0-9]{16}$' } },
          {
            name: 'from',
            in: 'query',
            description: 'first ФД number',
            schema: { type: 'integer', minimum: 1 },
          },
          { name: 'to', in: 'query', description: 'last ФД number', schema: { type: 'integer', minimum: 1 } },
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 },
          },
        ],
        responses: {
          '200': {
            description: 'documents',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Documents' } } },
          },
          '400': {
            description: 'bad query',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      Error: {
        type: 'object',
        properties: {
          error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
        },
      },
      Backlog: {
        type: 'object',
        properties: {
          fns: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                fn: { type: 'string' },
                unconfirmed: { type: 'integer' },
                documents: { type: 'integer' },
                oldestUnconfirmedAt: { type: ['string', 'null'], format: 'date-time' },
                oldestAgeSeconds: { type: ['integer', 'null'] },
                lastSeenAt: { type: 'string', format: 'date-time' },
                warning: {
                  type: ['string', 'null'],
                  description: 'highest warning age passed (e.g. 24h, 5d)',
                },
              },
            },
          },
        },
      },
      Documents: {
        type: 'object',
        properties: {
          documents: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                fn: { type: 'string' },
                fd: { type: 'integer' },
                form: { type: 'integer' },
                state: { type: 'string', enum: ['received', 'forwarded', 'answered'] },
                receivedAt: { type: 'string' },
                forwardedAt: { type: ['string', 'null'] },
                answeredAt: { type: ['string', 'null'] },
                answerCode: { type: ['integer', 'null'] },
                timesReceived: { type: 'integer' },
                attempts: { type: 'integer' },
                lastError: { type: ['string', 'null'] },
                parsed: {
                  type: ['object', 'null'],
                  description: 'the parsed document, when it was not encrypted',
                },
              },
            },
          },
        },
      },
    },
  },
} as const;
