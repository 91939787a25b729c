// What forbidden() renders, with status 403: today, a signed-in creator at /admin/*.
import { ForbiddenPage } from "./_components/forbidden-page.tsx";

export default function Forbidden() {
  return <ForbiddenPage />;
}
