// The official SARIF 2.1.0 schema (test/fixtures/schemas, with its source) as an Ajv validator. The schema is draft-04:
// the keywords it uses (type, properties, additionalProperties, $ref, items, enum, minimum, maximum without
// exclusive*, pattern, format, anyOf, oneOf, required, uniqueItems, minItems) mean the same in Ajv's draft-07, which
// test/unit/ciFormats.test.ts checks; its top-level `id` is only the schema's name (draft-06 renamed it `$id`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ROOT } from './cli';

export function sarifSchema(): Record<string, unknown> {
  const file = join(ROOT, 'test', 'fixtures', 'schemas', 'sarif-schema-2.1.0.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

export function sarifValidator(): ValidateFunction {
  const { id, ...rest } = sarifSchema();
  const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
  addFormats(ajv);
  return ajv.compile({ ...rest, $id: String(id) });
}
