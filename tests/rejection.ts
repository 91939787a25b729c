// What a promise that must fail rejects with (or a call that must fail throws), for assertions on the error itself.

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

/** What `run` throws; fails the test if it returns, or if `errorClass` is given and the error is not one. */
export function thrownBy<E = unknown>(run: () => unknown, errorClass?: abstract new (...args: never[]) => E): E {
  try {
    run();
  } catch (error) {
    if (errorClass && !(error instanceof errorClass)) throw new Error(`expected a ${errorClass.name}, got ${String(error)}`);
    return error as E;
  }
  throw new Error("expected a failure, but it returned");
}
