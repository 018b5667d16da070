import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

// Reads docker-compose.yml and a .env file the way Docker Compose does, for the subset of the
// syntax that they use: `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?message}`,
// `${NAME?message}`, `$NAME` and `$$` for a literal dollar sign. Nested `${...}` inside a default
// is not supported and fails the parse, so that a test never checks a value read wrongly.

/** Folder of the repository, where docker-compose.yml and .env.example are. */
export const REPO_ROOT = path.resolve(__dirname, '../..');

/** Variables for interpolation, by name. */
export type Variables = ReadonlyMap<string, string>;

/** Thrown when a `${NAME:?message}` or `${NAME?message}` variable is missing, as Compose fails. */
export class MissingVariableError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`required variable ${variable} is missing a value: ${message}`);
    this.name = 'MissingVariableError';
  }
}

const REFERENCE = /\$(?:\$|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;
const BRACED = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])(.*))?$/s;

/** Replaces every variable reference in `text` with its value, as Compose interpolates. */
export function interpolate(text: string, variables: Variables): string {
  return text.replace(REFERENCE, (match, braced: string | undefined, bare: string | undefined) => {
    if (match === '$$') return '$';
    if (bare !== undefined) return variables.get(bare) ?? '';

    const parts = BRACED.exec(braced ?? '');
    if (!parts || parts[3]?.includes('${')) {
      throw new Error(`unsupported variable reference ${match}`);
    }
    const [, name, operator, argument = ''] = parts as unknown as [
      string,
      string,
      string?,
      string?,
    ];
    const value = variables.get(name);
    // With a colon, an empty value counts as missing; without one, only an unset variable does.
    const missing = operator?.startsWith(':') ? !value : value === undefined;
    if (!missing) return value ?? '';
    if (operator?.endsWith('-')) return argument;
    if (operator?.endsWith('?')) throw new MissingVariableError(name, argument);
    return '';
  });
}

/** Names of the variables that `text` refers to, without the `$$` escapes. */
export function referencedVariables(text: string): Set<string> {
  const names = new Set<string>();
  for (const [match, braced, bare] of text.matchAll(REFERENCE)) {
    if (match === '$$') continue;
    const name = bare ?? BRACED.exec(braced ?? '')?.[1];
    if (name) names.add(name);
  }
  return names;
}

/**
 * Parses a .env file. Each line's value is interpolated from the lines before it, as Compose
 * does. Single-quoted values stay literal, and an unquoted value ends before ` #`.
 */
export function parseDotenv(text: string): Map<string, string> {
  const variables = new Map<string, string>();
  for (const [index, rawLine] of text.split('\n').entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;

    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!assignment) throw new Error(`line ${index + 1} is not NAME=value: ${rawLine}`);
    const [, name, rawValue] = assignment as unknown as [string, string, string];
    variables.set(name, readDotenvValue(rawValue, variables));
  }
  return variables;
}

function readDotenvValue(rawValue: string, variables: Variables): string {
  const singleQuoted = /^'([^']*)'(?:\s+#.*)?$/.exec(rawValue);
  if (singleQuoted) return singleQuoted[1]!;

  const doubleQuoted = /^"([^"]*)"(?:\s+#.*)?$/.exec(rawValue);
  if (doubleQuoted) return interpolate(doubleQuoted[1]!, variables);

  return interpolate(rawValue.replace(/\s+#.*$/, '').trim(), variables);
}

/** Parses a YAML text with its merge keys (`<<: *anchor`) applied, as Compose reads it. */
export function parseYaml(text: string): unknown {
  return parse(text, { merge: true });
}

/** Interpolates every string value in `value`, leaving keys as they are, as Compose does. */
export function interpolateValues(value: unknown, variables: Variables): unknown {
  if (typeof value === 'string') return interpolate(value, variables);
  if (Array.isArray(value)) return value.map((item) => interpolateValues(item, variables));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateValues(item, variables)]),
    );
  }
  return value;
}

/** Reads a file of the repository as text. */
export function readRepoFile(relativePath: string): string {
  return readFileSync(path.join(REPO_ROOT, relativePath), 'utf8');
}
