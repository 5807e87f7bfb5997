/**
 * Node only (node:fs). The call-record spool: records the database could not take within the
 * wait are appended to a file under DATA_DIR and fsync'd before Vapi is answered, then written to
 * the database once it takes them again (at start, and with backoff while some are pending).
 * Nothing acknowledged lives only in memory. See docs/adr/0003-call-records-acknowledged-after-commit.md.
 *
 * On disk: `<dir>/<time>-<n>.jsonl` segments, one `CallRecord` as JSON per line (only the stored,
 * already redacted fields); appends go to the newest segment, a replay pass starts a new one and
 * deletes each older segment once every line of it is stored. A line the database refuses (even
 * without its free text) or that cannot be read is moved to `<dir>/set-aside.jsonl` and logged as
 * an error: kept for an operator, never retried forever. One process per DATA_DIR.
 */
import { createReadStream } from "node:fs";
import { type FileHandle, mkdir, open, readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Logger } from "../../lib/logger.ts";
import { type CallRecord, parseCallRecord } from "./call-record.ts";
import { type CallRecordContext, type CallRecordSpool, isTransient, storeCallRecord } from "./store.ts";

export interface SpoolOptions {
  dir: string;
  /** Disk the segments may use; past it `keep` answers "full". */
  maxBytes: number;
  context: CallRecordContext;
  /** Delays between replay passes while records are pending and the database refuses them. */
  retryDelaysMs?: readonly number[];
}

interface Segment {
  path: string;
  bytes: number;
  records: number;
}

interface Waiting {
  line: Buffer;
  resolve(outcome: "kept" | "full"): void;
}

const SEGMENT = /^\d{15}-\d+\.jsonl$/;
const SET_ASIDE = "set-aside.jsonl";
/** Spooled records written at once during a replay (the upserts are order-tolerant). */
const REPLAY_CONCURRENCY = 4;

/** Opens the spool in `dir` (created if missing) and starts writing what an earlier run left there. */
export async function openCallRecordSpool(options: SpoolOptions): Promise<CallRecordSpool> {
  const { dir, maxBytes, context } = options;
  const logger: Logger = context.logger;
  const delays = options.retryDelaysMs ?? [250, 500, 1_000, 2_000];
  await mkdir(dir, { recursive: true, mode: 0o700 });

  // Segments left by an earlier run, oldest first, with their sizes and line counts.
  const closed: Segment[] = [];
  for (const name of (await readdir(dir)).filter((n) => SEGMENT.test(n)).sort()) {
    const path = join(dir, name);
    closed.push({ path, bytes: (await stat(path)).size, records: await countLines(path) });
  }
  let active: (Segment & { handle: FileHandle }) | undefined;
  let sequence = 0;
  let queued: Waiting[] = [];
  let queuedBytes = 0;
  let writing: Promise<void> | undefined;
  let replaying: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let closedForGood = false;

  const diskBytes = () => closed.reduce((n, s) => n + s.bytes, 0) + (active?.bytes ?? 0);
  const pending = () => closed.reduce((n, s) => n + s.records, 0) + (active?.records ?? 0);

  // Every change to the files goes through this chain, one at a time.
  let files: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = files.then(work, work);
    files = next.catch(() => {});
    return next;
  };

  async function newSegment(): Promise<Segment & { handle: FileHandle }> {
    const path = join(dir, `${String(Date.now()).padStart(15, "0")}-${sequence++}.jsonl`);
    const handle = await open(path, "a", 0o600);
    await syncDirectory(dir);
    return { path, bytes: 0, records: 0, handle };
  }

  async function closeActive(): Promise<void> {
    if (!active) return;
    const segment = active;
    active = undefined;
    await segment.handle.close().catch(() => {});
    if (segment.records > 0) closed.push({ path: segment.path, bytes: segment.bytes, records: segment.records });
    else await unlink(segment.path).catch(() => {});
  }

  // Group commit: whatever arrived while the last batch was being synced goes out in one write and one fsync.
  function writeQueued(): Promise<void> {
    writing ??= exclusive(async () => {
      while (queued.length > 0) {
        const batch = queued;
        queued = [];
        const bytes = batch.reduce((n, w) => n + w.line.length, 0);
        try {
          active ??= await newSegment();
          await active.handle.write(Buffer.concat(batch.map((w) => w.line)));
          await active.handle.datasync();
          active.bytes += bytes;
          active.records += batch.length;
          for (const w of batch) w.resolve("kept");
          scheduleReplay(delays[0]!);
        } catch (err) {
          logger.error("call record spool cannot write; records are not acknowledged", { err });
          for (const w of batch) w.resolve("full");
          // The segment may end in a cut line now: its complete lines are replayed, new ones go to a new segment.
          await closeActive();
        } finally {
          queuedBytes -= bytes;
        }
      }
    }).finally(() => {
      writing = undefined;
      if (queued.length > 0) void writeQueued();
    });
    return writing;
  }

  function scheduleReplay(delayMs: number): void {
    if (closedForGood || timer || replaying) return;
    timer = setTimeout(() => {
      timer = undefined;
      void replayPass();
    }, delayMs);
    timer.unref?.();
  }

  function replayPass(): Promise<void> {
    replaying ??= replayAll().finally(() => {
      replaying = undefined;
      if (pending() > 0) scheduleReplay(delays[Math.min(failures, delays.length - 1)]!);
    });
    return replaying;
  }

  /** A pass that starts now (after the one under way, which may have begun before the database came back). */
  async function drain(): Promise<void> {
    await replaying;
    await replayPass();
  }

  async function replayAll(): Promise<void> {
    while (!closedForGood) {
      if (closed.length === 0) {
        // New records go to a new segment while this one is written; an empty one is just removed.
        if (!active || active.records === 0) break;
        await exclusive(closeActive);
        continue;
      }
      const segment = closed[0]!;
      if (!(await replaySegment(segment))) {
        failures++;
        return;
      }
      // Stored: no longer pending, even if deleting the file fails (a later start would store it again, to no effect).
      closed.shift();
      await unlink(segment.path).catch((err: unknown) => logger.error("could not delete a replayed spool segment", { err }));
      logger.info("spooled call records stored", { records: segment.records });
    }
    failures = 0;
  }

  /** Writes every line of a segment, a few at a time; false when the database stopped taking them (the pass ends). */
  async function replaySegment(segment: Segment): Promise<boolean> {
    const input = createReadStream(segment.path, { encoding: "utf8" });
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    const inFlight = new Set<Promise<void>>();
    let stopped = false;
    let index = 0;
    try {
      for await (const line of lines) {
        if (stopped || closedForGood) break;
        // Lines past the counted ones have no newline: an append cut short by a crash, never acknowledged.
        if (index++ >= segment.records) {
          logger.warn("spool segment ends in a cut write (never acknowledged); skipped", { bytes: line.length });
          continue;
        }
        if (line.trim() === "") continue;
        const write = storeLine(line).then((ok) => {
          if (!ok) stopped = true;
        });
        const tracked = write.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
        if (inFlight.size >= REPLAY_CONCURRENCY) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      return !stopped && !closedForGood;
    } finally {
      lines.close();
      input.destroy();
    }
  }

  /** Stores one spooled line; false when the database is not taking records (retry later). */
  async function storeLine(line: string): Promise<boolean> {
    const record = readLine(line);
    if (!record) {
      await setAside(line, "unreadable line");
      return true;
    }
    try {
      await storeCallRecord(context, record);
      return true;
    } catch (err) {
      if (isTransient(err)) {
        logger.warn("spooled call records wait for the database", { pending: pending(), err });
        return false;
      }
      await setAside(line, "the database refuses this record", record.callId, err);
      return true;
    }
  }

  async function setAside(line: string, reason: string, callId?: string, err?: unknown): Promise<void> {
    logger.error("spooled call record set aside", { reason, callId, file: SET_ASIDE, err });
    const handle = await open(join(dir, SET_ASIDE), "a", 0o600);
    try {
      await handle.write(`${line}\n`);
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  const spool: CallRecordSpool = {
    keep(record: CallRecord) {
      if (closedForGood) return Promise.resolve("full");
      const line = Buffer.from(`${JSON.stringify(record)}\n`);
      if (diskBytes() + queuedBytes + line.length > maxBytes) {
        logger.error("call record spool is full; records are not acknowledged", { maxBytes, callId: record.callId });
        return Promise.resolve("full");
      }
      queuedBytes += line.length;
      return new Promise((resolve) => {
        queued.push({ line, resolve });
        void writeQueued();
      });
    },
    get pending() {
      return pending();
    },
    drain,
    async close() {
      closedForGood = true;
      clearTimeout(timer);
      timer = undefined;
      await writing;
      await replaying;
      await exclusive(async () => {
        const handle = active?.handle;
        active = undefined;
        await handle?.close();
      });
    },
  };
  if (closed.length > 0) {
    logger.warn("call records left in the spool by an earlier run; storing them", { records: pending() });
    void replayPass();
  }
  return spool;
}

function readLine(line: string): CallRecord | undefined {
  try {
    return parseCallRecord(JSON.parse(line));
  } catch {
    return undefined;
  }
}

async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(path)) {
    for (const byte of chunk as Buffer) if (byte === 0x0a) n++;
  }
  return n;
}

/** Makes a new file's directory entry durable (Linux; a no-op where directories cannot be synced). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r").catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // Some platforms refuse fsync on a directory.
  } finally {
    await handle.close();
  }
}
