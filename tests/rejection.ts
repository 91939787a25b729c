// What a promise that must fail rejects with, for assertions on the error itself.

/** The rejection of `promise`; fails the test if it fulfils, or if `errorClass` is given and the error is not one. */
export async function rejectionOf<E = unknown>(promise: Promise<unknown>, errorClass?: abstract new (...args: never[]) => E): Promise<E> {
  const outcome = await promise.then(
    () => ({ fulfilled: true as const }),
    (error: unknown) => ({ fulfilled: false as const, error }),
  );
  if (outcome.fulfilled) throw new Error("expected a failure, but the promise fulfilled");
  if (errorClass && !(outcome.error instanceof errorClass)) throw new Error(`expected a ${errorClass.name}, got ${String(outcome.error)}`);
  return outcome.error as E;
}
