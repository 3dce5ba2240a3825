/** Placeholder until the domain model lands. */
export const placeholder = 1
