// The reference kernels' array-size check: one message shape for every kernel and operand.

/** Throws a RangeError naming the kernel and operand when `array` holds fewer than `need` elements. */
export function checkLength(name: string, what: string, array: ArrayLike<number>, need: number): void {
  if (array.length < need) throw new RangeError(`${name}: ${what} needs ${need} elements, has ${array.length}`);
}
