import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_API } from '@openkassa/contracts';
import { backofficeFiles } from '@openkassa/backoffice';
import { openapi } from '../openapi.js';
import { startTestServer } from '../testing.js';

/**
 * The OpenAPI document is made from the route schemas: it holds every route the server registers
 * and nothing else, and says at least what the hand-written document it replaced said (kept in
 * openapi.before.json as it was served before).
 */
const BEFORE = JSON.parse(readFileSync(join(import.meta.dirname, 'openapi.before.json'), 'utf8')) as {
  paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; responses?: object }>>;
  components: { schemas: Record<string, unknown> };
};
/** What the hand-written document left out: the document itself, and the documents held for review. */
const MISSING_BEFORE = ['get /api/v1/openapi.json', 'get /api/v1/sales/review'];

let s: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  s = await startTestServer(mkdtempSync(join(tmpdir(), 'openapi-')));
});
afterAll(() => s.close());

type Doc = typeof openapi & { paths: Record<string, Record<string, Record<string, unknown>>> };
const doc = openapi as Doc;
const operations = (paths: Record<string, Record<string, unknown>>) =>
  Object.entries(paths).flatMap(([p, ms]) => Object.keys(ms).map((m) => `${m} ${p}`));

describe('the OpenAPI document', () => {
  it('describes exactly the routes the server registers (its back-office pages aside)', () => {
    const pages = new Set(backofficeFiles().map((f) => `GET ${f.path}`));
    expect(s.routes.filter((r) => !pages.has(r))).toEqual(
      SERVER_API.map((r) => `${r.method} ${r.url}`).sort(),
    );
    expect(new Set(operations(doc.paths)).size).toBe(SERVER_API.length);
  });

  it('says at least what the hand-written one said: its operations, parameters, answers and schemas', () => {
    expect(operations(doc.paths).sort()).toEqual([...operations(BEFORE.paths), ...MISSING_BEFORE].sort());
    for (const [path, methods] of Object.entries(BEFORE.paths))
      for (const [method, op] of Object.entries(methods)) {
        const now = doc.paths[path]![method] as {
          parameters?: { name: string; in: string }[];
          responses: object;
        };
        const names = (ps: { name: string; in: string }[] | undefined) =>
          (ps ?? []).map((p) => `${p.in}:${p.name}`);
        expect([method, path, names(now.parameters)]).toEqual([
          method,
          path,
          expect.arrayContaining(names(op.parameters)),
        ]);
        expect([method, path, Object.keys(now.responses)]).toEqual([
          method,
          path,
          expect.arrayContaining(Object.keys(op.responses ?? {})),
        ]);
      }
    const schemas = doc.components.schemas as Record<string, unknown>;
    expect(Object.keys(schemas).sort()).toEqual(Object.keys(BEFORE.components.schemas).sort());
    // the batch's schema was generated already (with a JSON Schema "$schema" key, out of place in
    // an OpenAPI component); the others were written by hand: the same fields
    const { $schema: _was, ...batch } = BEFORE.components.schemas.SalesBatch as Record<string, unknown>;
    expect(_was).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schemas.SalesBatch).toEqual(batch);
    const fields = (x: unknown, ...path: string[]): string[] => {
      let o = x as Record<string, unknown> | undefined;
      for (const k of path) o = (o?.[k] as Record<string, unknown> | undefined) ?? undefined;
      return Object.keys((o?.properties as object | undefined) ?? {}).sort();
    };
    for (const [name, path] of [
      ['Error', ['properties', 'error']],
      ['Backlog', ['properties', 'fns', 'items']],
      ['Documents', ['properties', 'documents', 'items']],
    ] as const)
      expect([name, fields(schemas[name], ...path)]).toEqual([
        name,
        fields(BEFORE.components.schemas[name], ...path),
      ]);
  });
});
