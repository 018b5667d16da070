import { installTemporalLogger } from '../../src/temporal/runtime-logger';
import { createTestLogger } from './test-logger';

// The SDK logs every worker state change at INFO; a passing run should print only failures.
// LOG_LEVEL=info brings its lines back along with the activities' own. Every line from DEBUG up
// still reaches the run's log folder, which the leak scan reads after the run.
installTemporalLogger(createTestLogger('test', 'error'), 'DEBUG');
