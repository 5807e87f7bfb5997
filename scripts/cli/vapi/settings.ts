/** The settings `npm run vapi` needs, checked all at once. */
import { type Config, ConfigError, type Env, parseConfig } from "../../../src/config.ts";

/**
 * Every setting the command is missing or has wrong, at once: the configuration's own errors
 * plus what syncing needs. Throws a ConfigError listing them.
 */
export function checkSettings(env: Env, print: boolean): Config {
  const problems: string[] = [];
  let config: Config | undefined;
  try {
    config = parseConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.message.split("\n").slice(1));
  }
  const unset = (name: string) => !env[name] || env[name]!.trim() === "";
  // The configuration checks combinations only once every variable parses; say it now as well.
  if (env.VAPI_CREDENTIAL_TYPE === "hmac" && unset("VAPI_HMAC_SECRET") && !problems.some((p) => p.includes("VAPI_HMAC_SECRET"))) {
    problems.push("  VAPI_HMAC_SECRET: is required when VAPI_CREDENTIAL_TYPE=hmac");
  }
  if (unset("PUBLIC_URL")) problems.push("  PUBLIC_URL: not set: the public https address of this server, which Vapi calls");
  if (!print && unset("VAPI_API_KEY")) {
    problems.push("  VAPI_API_KEY: not set: a private API key from the Vapi dashboard (or use --print to review offline)");
  }
  if (problems.length > 0 || !config) throw new ConfigError(`Cannot sync with Vapi:\n${problems.join("\n")}`);
  return config;
}
