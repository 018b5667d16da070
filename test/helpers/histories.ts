import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';

/** Folder of recorded workflow histories that the replay test runs against the current code. */
export const HISTORIES_DIR = path.resolve(__dirname, '../histories');

const { History } = temporal.api.history.v1;

/**
 * Writes a history to `test/histories/<name>.binpb` when RECORD_HISTORIES=1, and does nothing
 * otherwise. Record only when a deliberate, versioned workflow change makes a new baseline.
 * NOTE: the files are binary protobuf because the SDK's JSON export (historyToJSON) fails inside
 * jest's module sandbox with "type must be a Type".
 */
export function recordHistory(name: string, history: temporal.api.history.v1.IHistory): void {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const bytes = History.encode(History.fromObject(history)).finish();
  writeFileSync(path.join(HISTORIES_DIR, `${name}.binpb`), bytes);
}

/** Reads a recorded history. */
export function readHistory(file: string): temporal.api.history.v1.History {
  return History.decode(readFileSync(path.join(HISTORIES_DIR, file)));
}
