/**
 * A local HTTP server standing in for Vapi's REST API (credentials, structured outputs, tools,
 * assistants, squads, phone numbers, campaigns, calls), for testing the sync CLI through the real `@vapi-ai/server-sdk` client and the raw
 * `/credential` calls. It stores what it is sent and returns it with ids and timestamps, as Vapi
 * does; like Vapi it never returns a credential's secret (`token`, `secretKey`). Optionally it
 * refuses bodies the way Vapi does (HTTP 400 with NestJS-style messages), and a test can make
 * the next request to an operation fail.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  /** The query string, e.g. "?schemaOverride=false" ("" without one). */
  search: string;
  authorization: string | undefined;
  body: unknown;
}

type Item = Record<string, unknown> & { id: string };

export interface FakeVapiApiOptions {
  /** Checks a write's body against a published schema; issues make the fake answer 400 as Vapi would. */
  validate?(schema: string, body: unknown): string[];
}

export interface FakeVapiApi {
  url: string;
  requests: RecordedRequest[];
  credentials: Map<string, Item>;
  tools: Map<string, Item>;
  assistants: Map<string, Item>;
  squads: Map<string, Item>;
  structuredOutputs: Map<string, Item>;
  phoneNumbers: Map<string, Item>;
  campaigns: Map<string, Item>;
  calls: Map<string, Item>;
  /** The next request to `operation` ("POST /tool", "GET /credential", ...) gets this answer instead. */
  failNext(operation: string, status: number, body: unknown): void;
  close(): Promise<void>;
}

/**
 * The published definition a write is checked against: the operation's request body where the
 * document has the path, else the DTO (the document has no `/credential` path).
 */
export function vapiSchemaFor(method: string, path: string): string | undefined {
  const [, kind, id] = path.split("/");
  if (method === "POST" && !id) return kind === "credential" ? "CreateWebhookCredentialDTO" : `POST /${kind}`;
  if (method === "PATCH" && id) return kind === "credential" ? "UpdateWebhookCredentialDTO" : `PATCH /${kind}/{id}`;
  return undefined;
}

const SECRET_FIELDS = ["token", "secretKey"];

/** What Vapi returns for a stored item: a credential without its secrets. */
function returned(kind: string, item: Item): Item {
  if (kind !== "credential" || typeof item.authenticationPlan !== "object" || item.authenticationPlan === null) return item;
  const plan = Object.fromEntries(Object.entries(item.authenticationPlan).filter(([k]) => !SECRET_FIELDS.includes(k)));
  return { ...item, authenticationPlan: plan };
}

export async function startFakeVapiApi(options: FakeVapiApiOptions = {}): Promise<FakeVapiApi> {
  const requests: RecordedRequest[] = [];
  const failures = new Map<string, { status: number; body: unknown }>();
  const collections: Record<string, Map<string, Item>> = {
    credential: new Map(),
    tool: new Map(),
    assistant: new Map(),
    squad: new Map(),
    "structured-output": new Map(),
    "phone-number": new Map(),
    campaign: new Map(),
    call: new Map(),
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "";
    requests.push({ method, path: url.pathname, search: url.search, authorization: req.headers.authorization, body });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    };
    if (req.headers.authorization !== "Bearer test-vapi-key") return send(401, { message: "Invalid API key", statusCode: 401 });

    const [, kind, id] = url.pathname.split("/") as [string, string, string | undefined];
    const operation = `${method} /${kind}`;
    const failure = failures.get(operation);
    if (failure) {
      failures.delete(operation);
      return send(failure.status, failure.body);
    }
    const items = collections[kind];
    if (!items) return send(404, { message: `Cannot ${method} ${url.pathname}`, error: "Not Found", statusCode: 404 });
    const schema = vapiSchemaFor(method, url.pathname);
    const issues = schema && options.validate ? options.validate(schema, body) : [];
    if (issues.length > 0) return send(400, { message: issues, error: "Bad Request", statusCode: 400 });
    const now = new Date().toISOString();
    if (method === "GET" && !id) {
      const listed = [...items.values()].map((item) => returned(kind, item));
      // Structured outputs are listed a page at a time, like Vapi's newer endpoints.
      if (kind === "structured-output") {
        return send(200, { results: listed, metadata: { itemsPerPage: 1000, totalItems: listed.length, currentPage: 1 } });
      }
      return send(200, listed);
    }
    if (method === "POST" && !id) {
      const item: Item = { ...body, id: randomUUID(), orgId: "org-1", createdAt: now, updatedAt: now };
      items.set(item.id, item);
      return send(201, returned(kind, item));
    }
    const existing = id ? items.get(id) : undefined;
    if (!existing) return send(404, { message: `${kind} ${id} not found`, error: "Not Found", statusCode: 404 });
    if (method === "GET") return send(200, returned(kind, existing));
    if (method === "PATCH") {
      // Vapi replaces each top-level field it is sent (a nested `server` as a whole).
      const updated: Item = { ...existing, ...body, id: existing.id, updatedAt: now };
      items.set(existing.id, updated);
      return send(200, returned(kind, updated));
    }
    return send(405, { message: "method not allowed" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    credentials: collections.credential!,
    tools: collections.tool!,
    assistants: collections.assistant!,
    squads: collections.squad!,
    structuredOutputs: collections["structured-output"]!,
    phoneNumbers: collections["phone-number"]!,
    campaigns: collections.campaign!,
    calls: collections.call!,
    failNext: (operation, status, payload) => failures.set(operation, { status, body: payload }),
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
