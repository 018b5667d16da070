import { z } from 'zod';

// Zod's default for a missing field reads "expected string, received undefined"; API clients
// understand "is required" at once. Its other defaults do not show the value that failed, so these
// messages name it. Imported for this side effect by every module with schemas.
z.config({
  customError: (issue) => {
    if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
    if (issue.code === 'invalid_type') {
      return `expected ${issue.expected}, got ${describe(issue.input)}`;
    }
    if (issue.code === 'invalid_format' && issue.format === 'email') {
      return `${describe(issue.input)} is not a valid email address`;
    }
    return undefined;
  },
});

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}
