/**
 * Which files under `tools/` are tools. Shared by the run-time discovery on Node and the
 * build-time index for Workers, so the two can never disagree about what gets served.
 * No Node imports here: the worker bundle may include it.
 */
const TOOL_FILE = /^[^_.][^/\\]*\.(ts|mts|js|mjs)$/;
const EXCLUDED = /\.(d|test|spec)\.[mc]?[tj]s$/;

/** True for a tool file name: not a `_` helper, not a test, not a type declaration. */
export function isToolFile(name: string): boolean {
  return TOOL_FILE.test(name) && !EXCLUDED.test(name);
}

/** The tool files among `names`, in the order they are loaded (by name). */
export function toolFiles(names: Iterable<string>): string[] {
  return [...names].filter(isToolFile).sort();
}
