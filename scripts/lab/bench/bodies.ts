/**
 * Request bodies for the benchmark, shaped like Vapi's (scripts/lab/lib/vapi-traffic.ts). A
 * realistic message is tens of kilobytes and building one draws a whole conversation, so each
 * shape is built once as a template and requests only fill in their ids and arguments: the load
 * generator shares the machine, and its work per request must stay small.
 */
import { midCallToolCalls, speechUpdateMessage, statusUpdateMessage } from "../lib/vapi-traffic.ts";

type Json = Record<string, unknown>;

/** Plain text that needs no JSON escaping (ids, numbers, names): placed in the template as is. */
type Fill = Record<string, string>;

const SLOT = /@@([A-Za-z0-9_]+)@@/;

/** A body with `@@name@@` slots, split once; `render` joins it with the values. */
function template(body: string): (fill: Fill) => string {
  const parts = body.split(SLOT);
  return (fill) => {
    let out = parts[0]!;
    for (let i = 1; i < parts.length; i += 2) {
      const value = fill[parts[i]!];
      if (value === undefined) throw new Error(`no value for @@${parts[i]}@@`);
      out += value + parts[i + 1]!;
    }
    return out;
  };
}

export interface ToolCallFill {
  callId: string;
  caller: string;
  toolCallId: string;
  /** Argument values, all strings. */
  args: Record<string, string>;
}

/** Realistic bodies: the conversation of `turns` turns, with the assistant the server itself serves. */
export class Traffic {
  readonly #cache = new Map<string, (fill: Fill) => string>();
  constructor(
    readonly assistant: Json | undefined,
    readonly serverUrl: string,
  ) {}

  #options(turns: number) {
    return {
      turns,
      callId: "@@callId@@",
      caller: "@@caller@@",
      serverUrl: this.serverUrl,
      ...(this.assistant ? { assistant: this.assistant } : {}),
    };
  }

  #get(key: string, build: () => Json) {
    let render = this.#cache.get(key);
    if (!render) {
      render = template(JSON.stringify(build()));
      this.#cache.set(key, render);
    }
    return render;
  }

  /** A mid-call `tool-calls` message of one call of `name`. */
  toolCall(turns: number, name: string, fill: ToolCallFill): string {
    const keys = Object.keys(fill.args).sort();
    const render = this.#get(`tool:${turns}:${name}:${keys.join(",")}`, () =>
      midCallToolCalls(this.#options(turns), [
        { name, id: "@@toolCallId@@", args: Object.fromEntries(keys.map((k) => [k, `@@arg_${k}@@`])) },
      ]),
    );
    return render({
      callId: fill.callId,
      caller: fill.caller,
      toolCallId: fill.toolCallId,
      ...Object.fromEntries(keys.map((k) => [`arg_${k}`, fill.args[k]!])),
    });
  }

  speechUpdate(turns: number, callId: string, caller = "+15550142377"): string {
    return this.#get(`speech:${turns}`, () => speechUpdateMessage(this.#options(turns)))({ callId, caller });
  }

  statusUpdate(turns: number, callId: string, caller = "+15550142377"): string {
    return this.#get(`status:${turns}`, () => statusUpdateMessage(this.#options(turns)))({ callId, caller });
  }
}
