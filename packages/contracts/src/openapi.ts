import { z } from 'zod';
import type { Answer, RouteSpec } from './route.js';

/** The JSON Schema of what a client sends or receives, as OpenAPI 3.1 takes it. */
function jsonSchema(s: z.ZodType): Record<string, unknown> {
  const schema: Record<string, unknown> = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
  delete schema.$schema;
  return schema;
}

type Components = Map<string, Record<string, unknown>>;

function schemaOrRef(s: z.ZodType, component: string | undefined, components: Components) {
  if (component === undefined) return jsonSchema(s);
  if (!components.has(component)) components.set(component, jsonSchema(s));
  return { $ref: `#/components/schemas/${component}` };
}

/** The fields of an object schema (path parameters, a query), each as an OpenAPI parameter. */
function parameters(where: 'path' | 'query', s: z.ZodType | undefined) {
  if (!s) return [];
  const shape = s instanceof z.ZodObject ? s.shape : undefined;
  if (!shape) return [];
  return Object.entries(shape).map(([name, field]) => {
    const f = field as z.ZodType;
    const schema = jsonSchema(f);
    const { description, ...rest } = schema;
    return {
      name,
      in: where,
      required: where === 'path' || !f.safeParse(undefined).success,
      ...(typeof description === 'string' && { description }),
      schema: rest,
    };
  });
}

function answer(a: Answer, components: Components) {
  return {
    description: a.description,
    ...(a.schema && {
      content: { 'application/json': { schema: schemaOrRef(a.schema, a.component, components) } },
    }),
  };
}

/** An OpenAPI 3.1 document of these routes, made from their schemas so it says what they check. */
export function openapiDocument(
  routes: readonly RouteSpec[],
  info: { title: string; version: string; description: string },
) {
  const components: Components = new Map();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    const body = r.documentedBody ?? (r.body && { schema: r.body });
    const params = [...parameters('path', r.params), ...parameters('query', r.query)];
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      ...(r.public && { security: [] }),
      ...(params.length > 0 && { parameters: params }),
      ...(body && {
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: schemaOrRef(body.schema, 'component' in body ? body.component : undefined, components),
            },
          },
        },
      }),
      responses: Object.fromEntries(
        Object.entries(r.answers).map(([status, a]) => [status, answer(a, components)]),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info,
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: "A session token from /api/v1/auth/login, or an enrolled device's token.",
        },
      },
      schemas: Object.fromEntries([...components].sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}
