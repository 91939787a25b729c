// Testing Library's waitFor gives up after 1 s by default: on a loaded two-core machine a
// render plus a fake IndexedDB round trip can take longer, and the spec would fail for the
// machine's sake, not the page's. The ceiling only bounds a wait that ends as soon as the
// expectation holds, so raising it slows no passing test.
import { configure } from "@testing-library/react";

configure({ asyncUtilTimeout: 10_000 });
