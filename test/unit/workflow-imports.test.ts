import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// Workflow code runs in Temporal's deterministic sandbox. It may import the workflow SDK and a
// few pure modules; anything else (Node built-ins, pg, activity code) only as a type.
const WORKFLOWS_DIR = path.resolve(__dirname, '../../src/workflows');
const ALLOWED = new Set([
  '@temporalio/workflow',
  '@temporalio/common',
  '../failures',
  '../retry-schedule',
  '../temporal/search-attributes',
]);

const VALUE_IMPORT = /^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms;

function valueImports(file: string): string[] {
  const source = readFileSync(path.join(WORKFLOWS_DIR, file), 'utf8');
  return [...source.matchAll(VALUE_IMPORT)].map((match) => match[1]!);
}

const files = readdirSync(WORKFLOWS_DIR).filter((file) => file.endsWith('.ts'));

test.each(files)('%s imports only sandbox-safe modules', (file) => {
  const disallowed = valueImports(file).filter(
    (specifier) => !ALLOWED.has(specifier) && !specifier.startsWith('./'),
  );

  expect(disallowed).toEqual([]);
});

test('import check sees value imports', () => {
  expect(valueImports('dispatch-event.ts')).toContain('@temporalio/workflow');
  expect(valueImports('dispatch-event.ts')).not.toContain('../activities');
});
