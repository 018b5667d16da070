/**
 * Resolves the external Temporal tools and prints their paths, building any that are not cached.
 * CI runs it before the tests so that slow builds happen up front and show progress.
 *
 * Usage: npx tsx scripts/tools.ts [cli|test-server|all]
 *
 * Prints one `name: path` line per tool on stdout and progress on stderr. A tool that cannot be
 * resolved locally prints "not available" and leaves the download to the Temporal SDK. Exits 1
 * when a resolver fails and 2 on a usage error.
 */
import { resolveTemporalCli } from '../src/tools/temporal-cli';
import { resolveTestServer } from '../src/tools/test-server';

const RESOLVERS: Record<string, () => Promise<string | undefined>> = {
  cli: resolveTemporalCli,
  'test-server': resolveTestServer,
};

const USAGE = 'Usage: npx tsx scripts/tools.ts [cli|test-server|all]';

/** Returns the tool names that a command-line argument selects, or undefined if it is invalid. */
function selectTools(argument: string | undefined): string[] | undefined {
  if (argument === undefined || argument === 'all') {
    return Object.keys(RESOLVERS);
  }
  return argument in RESOLVERS ? [argument] : undefined;
}

async function main(args: string[]): Promise<number> {
  if (args.length > 1 || args[0] === '-h' || args[0] === '--help') {
    process.stderr.write(`${USAGE}\n`);
    return args.length > 1 ? 2 : 0;
  }
  const tools = selectTools(args[0]);
  if (!tools) {
    process.stderr.write(`Unknown tool "${args[0]}".\n${USAGE}\n`);
    return 2;
  }

  for (const tool of tools) {
    const resolved = await RESOLVERS[tool]!();
    process.stdout.write(
      `${tool}: ${resolved ?? 'not available (the Temporal SDK downloads it)'}\n`,
    );
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
