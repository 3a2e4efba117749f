// Argument checks shared by lib/: each throws "Expected `name` to be …, got …" and returns the value.

/** `value`, if it is an integer above zero. */
export function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`Expected \`${name}\` to be a positive integer, got ${value}`);
  }
  return value;
}

/** `value`, if it is an integer of zero or more. */
export function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`Expected \`${name}\` to be a non-negative integer, got ${value}`);
  }
  return value;
}
