// Reads the signed sample webhooks from ../shared/fixtures/tiktok beside the checkout.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const fixturesDirectory = fileURLToPath(new URL("../../../../shared/fixtures/tiktok/", import.meta.url));

interface Manifest {
  app_key: string;
  app_secret: string;
  fixtures: { file: string; authorization: string }[];
}

export const manifest = JSON.parse(readFileSync(`${fixturesDirectory}manifest.json`, "utf8")) as Manifest;

export interface SignedFixture {
  file: string;
  authorization: string;
  rawBody: Uint8Array;
}

/** Every fixture, in manifest order, as the exact raw bytes TikTok would send. */
export const signedFixtures: SignedFixture[] = manifest.fixtures.map(({ file, authorization }) => ({
  file,
  authorization,
  rawBody: new Uint8Array(readFileSync(`${fixturesDirectory}${file}`)),
}));

export function fixture(file: string): SignedFixture {
  const found = signedFixtures.find((candidate) => candidate.file === file);
  if (found === undefined) throw new Error(`no fixture ${file}`);
  return found;
}
