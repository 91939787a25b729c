import { DomainError } from "@/core/domain-error.ts";

/** Why an admin page cannot show what was asked (a bad filter, a stale link), announced at once; nothing when all is well. */
export function ProblemNotice({ problem }: { problem: string | null }) {
  if (!problem) return null;
  return (
    <p className="panel notice" role="alert">
      {problem}
    </p>
  );
}

/** What `read` finds, or, when it refuses with a DomainError (a bad filter, a stale link), no value and its message as the page's problem. */
export async function readOrProblem<T>(read: () => Promise<T>): Promise<{ value: T | null; problem: string | null }> {
  try {
    return { value: await read(), problem: null };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { value: null, problem: error.message };
  }
}
