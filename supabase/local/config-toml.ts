// The few settings the local stack reads from supabase/config.toml (the Supabase CLI's file), so
// one file configures both `supabase start` and the no-Docker stack. Only what we read is
// understood: `[section]` headers and `key = true|false|number|"string"` lines.
import { existsSync, readFileSync } from "node:fs";

export type TomlValue = string | number | boolean;

export function readTomlSections(configToml: string): Record<string, Record<string, TomlValue>> {
  if (!existsSync(configToml)) return {};
  const sections: Record<string, Record<string, TomlValue>> = {};
  let current: Record<string, TomlValue> | undefined;
  for (const rawLine of readFileSync(configToml, "utf8").split("\n")) {
    const line = rawLine.replace(/\s+#.*$|^#.*$/, "").trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      const name = header[1].trim().replaceAll('"', "");
      current = sections[name] ??= {};
      continue;
    }
    const setting = /^([\w-]+)\s*=\s*(true|false|-?\d+(?:\.\d+)?|"[^"]*")$/.exec(line);
    if (!current || !setting) continue;
    const raw = setting[2];
    current[setting[1]] = raw === "true" ? true : raw === "false" ? false : raw.startsWith('"') ? raw.slice(1, -1) : Number(raw);
  }
  return sections;
}
