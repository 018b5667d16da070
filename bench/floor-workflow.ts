import { proxyLocalActivities } from '@temporalio/workflow';

/** Activities of the floor workflow: one that does nothing. */
export interface FloorActivities {
  touch(): Promise<void>;
}

const { touch } = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '10 seconds' });

/** Runs one local activity and completes: the smallest workflow shaped like a delivery. */
export async function floorWorkflow(): Promise<void> {
  await touch();
}
