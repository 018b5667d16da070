import { z } from 'zod';

// Zod's default for a missing field reads "expected string, received undefined"; API clients
// understand "is required" at once. Imported for this side effect by every module with schemas.
z.config({
  customError: (issue) => {
    if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
    return undefined;
  },
});
