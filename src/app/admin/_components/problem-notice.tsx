/** Why an admin page cannot show what was asked (a bad filter, a stale link), announced at once; nothing when all is well. */
export function ProblemNotice({ problem }: { problem: string | null }) {
  if (!problem) return null;
  return (
    <p className="panel notice" role="alert">
      {problem}
    </p>
  );
}
