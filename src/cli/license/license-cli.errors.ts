/** A mistake in the command line: answered with its message and exit code 2. */
export class UsageError extends Error {}
