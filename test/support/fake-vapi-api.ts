/**
 * A local HTTP server standing in for Vapi's REST API (tools, assistants, phone numbers), for
 * testing the sync CLI through the real `@vapi-ai/server-sdk` client. It stores what it is sent
 * and returns it with ids and timestamps, as Vapi does.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

type Item = Record<string, unknown> & { id: string };

export interface FakeVapiApi {
  url: string;
  requests: RecordedRequest[];
  tools: Map<string, Item>;
  assistants: Map<string, Item>;
  phoneNumbers: Map<string, Item>;
  close(): Promise<void>;
}

export async function startFakeVapiApi(): Promise<FakeVapiApi> {
  const requests: RecordedRequest[] = [];
  const collections = { tool: new Map<string, Item>(), assistant: new Map<string, Item>(), "phone-number": new Map<string, Item>() };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
    const url = new URL(req.url ?? "/", "http://localhost");
    requests.push({ method: req.method ?? "", path: url.pathname, authorization: req.headers.authorization, body });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    };
    if (req.headers.authorization !== "Bearer test-vapi-key") return send(401, { message: "Invalid API key" });

    const [, kind, id] = url.pathname.split("/") as [string, keyof typeof collections, string | undefined];
    const items = collections[kind];
    if (!items) return send(404, { message: "not found" });
    const now = new Date().toISOString();
    if (req.method === "GET" && !id) return send(200, [...items.values()]);
    if (req.method === "POST" && !id) {
      const item: Item = { ...body, id: randomUUID(), orgId: "org-1", createdAt: now, updatedAt: now };
      items.set(item.id, item);
      return send(201, item);
    }
    const existing = id ? items.get(id) : undefined;
    if (!existing) return send(404, { message: `${kind} ${id} not found` });
    if (req.method === "GET") return send(200, existing);
    if (req.method === "PATCH") {
      const updated: Item = { ...existing, ...body, id: existing.id, updatedAt: now };
      items.set(existing.id, updated);
      return send(200, updated);
    }
    return send(405, { message: "method not allowed" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    tools: collections.tool,
    assistants: collections.assistant,
    phoneNumbers: collections["phone-number"],
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
