/** How the sync compares what Vapi has with what it would send, and how it reports each object. */

export type ChangeAction = "create" | "update" | "unchanged";

export interface PlannedChange {
  kind: "credential" | "structured-output" | "tool" | "assistant" | "squad" | "phone-number";
  name: string;
  action: ChangeAction;
  /** Paths that differ, for updates. */
  fields: string[];
  id?: string;
}

/** One report line: `+ create x`, `~ update x: fields`, `= x (unchanged)`. */
export function line(action: ChangeAction, name: string, fields: string[]): string {
  const mark = action === "create" ? "+" : action === "update" ? "~" : "=";
  const detail = action === "update" ? `: ${fields.join(", ")}` : action === "unchanged" ? " (unchanged)" : "";
  return `  ${mark} ${action === "unchanged" ? "" : `${action} `}${name}${detail}`;
}

/**
 * Paths where `desired` differs from `actual`, looking only at what `desired` sets: Vapi adds
 * ids, timestamps and defaults of its own, which are not differences. Arrays compare whole.
 */
export function differences(desired: unknown, actual: unknown, path = ""): string[] {
  if (isPlainObject(desired)) {
    if (!isPlainObject(actual)) return [path || "(all)"];
    return Object.entries(desired).flatMap(([key, value]) =>
      value === undefined ? [] : differences(value, actual[key], path ? `${path}.${key}` : key),
    );
  }
  return stableJson(desired) === stableJson(actual) ? [] : [path || "(all)"];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    isPlainObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
