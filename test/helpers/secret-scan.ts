import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/** A place where the scan found secret material. */
export interface Leak {
  /** A log file and line, or a workflow id and run id. */
  where: string;
  kind: 'endpoint secret' | 'encrypted secret' | 'encryption key';
  /** The start of the match only, so that the report does not repeat the secret. */
  excerpt: string;
}

// An endpoint secret is `whsec_` and 32 base64 characters. Sixteen are enough to tell a secret or
// a cut-off part of one from the prefix named in a message.
const PATTERNS: { kind: Leak['kind']; pattern: RegExp }[] = [
  { kind: 'endpoint secret', pattern: /whsec_[A-Za-z0-9+/]{16,}/g },
  { kind: 'encrypted secret', pattern: /enc:v1:[A-Za-z0-9._-]+:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]+/g },
];

/** Lists the secret material in `text`: endpoint secrets, encrypted values and `keys`. */
export function findLeaks(text: string, where: string, keys: readonly string[]): Leak[] {
  const leaks: Leak[] = [];
  for (const { kind, pattern } of PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      leaks.push({ where, kind, excerpt: `${match[0].slice(0, 12)}…` });
    }
  }
  for (const key of keys) {
    if (text.includes(key)) leaks.push({ where, kind: 'encryption key', excerpt: '(not shown)' });
  }
  return leaks;
}

/** Subfolder of the run folder for the histories that `saveTestServerHistories` saves. */
const HISTORY_FOLDER = 'histories';

/** Outcome of a scan: how many log files and histories it read and what it found. */
export interface ScanResult {
  logFiles: number;
  histories: number;
  leaks: Leak[];
}

/**
 * Scans the run folder: each `.log` file line by line, and each history that
 * `saveTestServerHistories` saved as a whole.
 */
export async function scanRunFolder(folder: string, keys: readonly string[]): Promise<ScanResult> {
  const leaks: Leak[] = [];
  const logFiles = (await readdir(folder)).filter((file) => file.endsWith('.log')).sort();
  for (const name of logFiles) {
    const lines = (await readFile(path.join(folder, name), 'utf8')).split('\n');
    lines.forEach((line, index) => leaks.push(...findLeaks(line, `${name}:${index + 1}`, keys)));
  }
  const historyFolder = path.join(folder, HISTORY_FOLDER);
  const histories = (await readdir(historyFolder).catch(() => [])).sort();
  for (const name of histories) {
    const bytes = await readFile(path.join(historyFolder, name), 'latin1');
    leaks.push(...findLeaks(bytes, `${HISTORY_FOLDER}/${name}`, keys));
  }
  return { logFiles: logFiles.length, histories: histories.length, leaks };
}

/**
 * Saves the history of every workflow on a time-skipping test server to the run folder, named
 * after `label` and the workflow, so that the scan after the run covers servers that stop with
 * their test file. The Java test server implements the open and closed lists but not the
 * visibility query of `client.workflow.list`.
 */
export async function saveTestServerHistories(
  client: Client,
  folder: string,
  label: string,
): Promise<void> {
  const service = client.workflowService;
  const namespace = client.options.namespace;
  const open = await service.listOpenWorkflowExecutions({ namespace, maximumPageSize: 1000 });
  const closed = await service.listClosedWorkflowExecutions({ namespace, maximumPageSize: 1000 });
  const executions = [...open.executions, ...closed.executions].map((info) => info.execution!);

  await mkdir(path.join(folder, HISTORY_FOLDER), { recursive: true });
  for (const { workflowId, runId } of executions) {
    const history = await client.workflow.getHandle(workflowId!, runId!).fetchHistory();
    const name = `${label}--${workflowId}--${runId}`.replace(/[^A-Za-z0-9._-]/g, '_');
    await writeFile(
      path.join(folder, HISTORY_FOLDER, `${name}.binpb`),
      encodeHistory(history),
      'latin1',
    );
  }
}

// Fetching histories one at a time would take tens of seconds after a full run.
const FETCH_CONCURRENCY = 16;

/**
 * Scans the history of every workflow of `namespace` at `address` started at or after `since`.
 * The histories are searched in their protobuf encoding, where workflow inputs, results, failure
 * messages, memos and search attributes appear as their UTF-8 bytes.
 */
export async function scanWorkflowHistories(
  address: string,
  since: Date,
  keys: readonly string[],
  namespace = 'default',
): Promise<ScanResult> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace });
    const executions: { workflowId: string; runId: string }[] = [];
    const query = `StartTime >= "${since.toISOString()}"`;
    for await (const info of client.workflow.list({ query })) {
      executions.push({ workflowId: info.workflowId, runId: info.runId });
    }

    const leaks: Leak[] = [];
    let next = 0;
    const fetchNext = async (): Promise<void> => {
      for (let i = next++; i < executions.length; i = next++) {
        const { workflowId, runId } = executions[i]!;
        const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
        leaks.push(
          ...findLeaks(encodeHistory(history), `workflow ${workflowId} (run ${runId})`, keys),
        );
      }
    };
    await Promise.all(Array.from({ length: FETCH_CONCURRENCY }, fetchNext));
    return { logFiles: 0, histories: executions.length, leaks };
  } finally {
    await connection.close();
  }
}

function encodeHistory(history: temporal.api.history.v1.IHistory): string {
  const { History } = temporal.api.history.v1;
  return Buffer.from(History.encode(History.fromObject(history)).finish()).toString('latin1');
}

/** Formats the leaks for the failure message, at most `limit` of them. */
export function describeLeaks(leaks: readonly Leak[], limit = 20): string {
  const lines = leaks
    .slice(0, limit)
    .map((leak) => `  ${leak.kind} ${leak.excerpt} in ${leak.where}`);
  if (leaks.length > limit) lines.push(`  … and ${leaks.length - limit} more`);
  return lines.join('\n');
}
