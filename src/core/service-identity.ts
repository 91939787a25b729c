// Which build of the engine, in which deployment, wrote an event (metadata.service_version
// and metadata.environment). The version is the code's own; the environment is
// configuration, set once at start-up by each runtime's entry (Next.js server, Edge
// Functions, scripts) from DEPLOYMENT_ENVIRONMENT.

/** The engine's version: package.json's `version` (a unit test keeps the two equal). */
export const SERVICE_VERSION = "0.1.0";

/** The environment of a process that never said which it runs in. */
export const UNSPECIFIED_ENVIRONMENT = "unspecified";

let environment = UNSPECIFIED_ENVIRONMENT;

/** Names the deployment this process belongs to (`production`, `staging`, `development`, `test`). Blank keeps the current name. */
export function configureDeploymentEnvironment(name: string | undefined): void {
  const trimmed = name?.trim();
  if (!trimmed) return;
  if (trimmed.length > 50) throw new Error("DEPLOYMENT_ENVIRONMENT must be at most 50 characters");
  environment = trimmed;
}

export function deploymentEnvironment(): string {
  return environment;
}
