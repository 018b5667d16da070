import { createLogger } from '../../src/logger';
import { installTemporalLogger } from '../../src/temporal/runtime-logger';

// The SDK logs every worker state change at INFO; a passing run should print only failures.
// LOG_LEVEL=info brings its lines back along with the activities' own.
const level = process.env.LOG_LEVEL ?? 'error';
installTemporalLogger(createLogger('test', level), level === 'error' ? 'ERROR' : 'INFO');
