// The Redis runtime: filled in by the plumbing change.
export {};
