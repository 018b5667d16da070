import { readdirSync } from 'node:fs';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR, readHistory } from '../helpers/histories';
import { workflowBundle } from '../helpers/temporal';

// Deliveries sleep for up to 12 hours, so workers of a new version replay histories that the old
// version wrote. Each recorded history must replay without a nondeterminism error. The
// `-activity-task` ones predate the local-activity attempt patch and stay until it is deprecated.
const files = readdirSync(HISTORIES_DIR).filter((file) => file.endsWith('.binpb'));

test('recorded histories exist', () => {
  expect(files).toEqual(
    expect.arrayContaining([
      'deliver-webhook-exhausted.binpb',
      'deliver-webhook-exhausted-activity-task.binpb',
      'deliver-webhook-recovered.binpb',
      'deliver-webhook-recovered-activity-task.binpb',
      'dispatch-event.binpb',
      'recover-deliveries.binpb',
      'recover-deliveries-continued.binpb',
      'verify-endpoint-url.binpb',
    ]),
  );
});

test.each(files)('%s replays on current code', async (file) => {
  const history = readHistory(file);

  await expect(
    Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history),
  ).resolves.toBeUndefined();
});
