// End-to-end tests of the TypeScript client against the real Athena server.
//
// The server is started from <repo>/.venv/bin/athena (override with ATHENA_BIN) on a free port
// with a fresh data directory, or, when ATHENA_TEST_ADDRESS is set, an already running server at
// that address is used instead. Every run uses its own project names, so a shared database
// (ATHENA_DATABASE_URL) does not disturb the assertions.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

import {
  AthenaError,
  Code,
  ConsolidationStatus,
  ErrorReason,
  EventSchema,
  EventType,
  ExecutionService,
  MemoryService,
  Outcome,
  SearchMode,
  SortOrder,
  TerminationReason,
  collect,
  createAthenaClient,
  timestampDate,
  timestampFromDate,
  toJson,
} from "../index.js";
import type { AthenaClient, Event } from "../index.js";

const here = path.dirname(fileURLToPath(import.meta.url)); // <repo>/clients/typescript/dist/test
const repoRoot = path.resolve(here, "../../../..");
const athenaBin = process.env["ATHENA_BIN"] ?? path.join(repoRoot, ".venv", "bin", "athena");
const READY_LINE = /^athena: serving on 127\.0\.0\.1:(\d+)$/;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface RunningServer {
  address: string;
  stdoutLines: string[];
  stop(): Promise<void>;
}

/** Starts `athena serve` on a free port and resolves once it prints its ready line. */
async function startServer(dataDir: string): Promise<RunningServer> {
  if (!fs.existsSync(athenaBin)) {
    throw new Error(`athena server not found at ${athenaBin} (run \`make setup\` first)`);
  }
  const proc: ChildProcess = spawn(
    athenaBin,
    ["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir],
    { stdio: ["ignore", "pipe", "pipe"], env: process.env },
  );
  let stderr = "";
  proc.stderr!.setEncoding("utf8");
  proc.stderr!.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const stdoutLines: string[] = [];
  const lines = createInterface({ input: proc.stdout! });

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`server not ready within ${READY_TIMEOUT_MS} ms; stderr:\n${stderr}`)),
        READY_TIMEOUT_MS,
      );
      lines.on("line", (line) => {
        stdoutLines.push(line);
        const match = READY_LINE.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(
          new Error(`server exited before ready (code ${code}, signal ${signal}); stderr:\n${stderr}`),
        );
      });
    });
  } catch (err) {
    proc.kill("SIGKILL");
    throw err;
  }

  return {
    address: `http://127.0.0.1:${port}`,
    stdoutLines,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        return;
      }
      proc.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([
        exited.then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), STOP_TIMEOUT_MS);
        }),
      ]);
      clearTimeout(timer);
      if (!stopped) {
        proc.kill("SIGKILL");
        await exited;
        throw new Error(`server did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM; stderr:\n${stderr}`);
      }
    },
  };
}

/** Runs `fn`, which must fail, and returns the failure as an AthenaError. */
async function expectError(fn: () => Promise<unknown>): Promise<AthenaError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof AthenaError, `expected an AthenaError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the call to fail");
}

function describeError(err: AthenaError): string {
  return JSON.stringify(err.toJSON());
}

describe("athena MemoryService via the TypeScript client", { timeout: 300_000 }, () => {
  const runId = randomUUID().slice(0, 8);
  const projectA = `ts-${runId}-a`;
  const projectB = `ts-${runId}-b`;
  let dataDir: string | undefined;
  let server: RunningServer | undefined;
  let a: AthenaClient;
  let b: AthenaClient;

  before(async () => {
    let address = process.env["ATHENA_TEST_ADDRESS"];
    if (address === undefined || address === "") {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "athena-ts-test-"));
      server = await startServer(dataDir);
      address = server.address;
    }
    a = createAthenaClient({ address, project: projectA, timeoutMs: 30_000 });
    b = a.withProject(projectB);
  });

  after(async () => {
    a?.close();
    try {
      await server?.stop();
    } finally {
      if (dataDir !== undefined) {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    }
  });

  // Filled by the tests below and used by later ones (node:test runs them in order).
  let single: Event;
  let target: Event;

  it("records one event and reads it back", async () => {
    const startedAt = Date.now();
    const session = `single-${runId}`;
    const response = await a.recordEvent({
      event: {
        sessionId: session,
        type: EventType.ACTION,
        actor: "ts-client-test",
        content: "Applied the database migration 0042_add_index to the staging cluster",
        outcome: Outcome.SUCCESS,
        context: { cwd: "/srv/app", files: ["migrations/0042.sql"], task: "migrate", phase: "implement", branch: "main" },
        tags: ["Deploy", "deploy", "k8s"],
        attributes: { ticket: "ATH-42" },
      },
    });
    assert.equal(response.replayed, false);
    const event = response.event;
    assert.ok(event !== undefined, "response carries the event");
    assert.match(event.id, UUID_RE);
    assert.equal(event.sessionId, session);
    assert.equal(event.type, EventType.ACTION);
    assert.equal(event.actor, "ts-client-test");
    assert.equal(event.content, "Applied the database migration 0042_add_index to the staging cluster");
    assert.equal(event.outcome, Outcome.SUCCESS);
    assert.equal(event.context?.cwd, "/srv/app");
    assert.deepEqual(event.context?.files, ["migrations/0042.sql"]);
    assert.equal(event.context?.branch, "main");
    assert.deepEqual([...event.tags].sort(), ["deploy", "k8s"], "tags are lower-cased and de-duplicated");
    assert.deepEqual({ ...event.attributes }, { ticket: "ATH-42" });
    assert.equal(event.importance, 0.5, "importance defaults to 0.5");
    assert.equal(event.confidence, 1, "confidence defaults to 1");
    assert.equal(event.consolidationStatus, ConsolidationStatus.PENDING);
    assert.ok(event.createTime !== undefined, "create_time is set");
    assert.ok(event.occurTime !== undefined, "occur_time defaults to now");
    const occurMs = timestampDate(event.occurTime).getTime();
    assert.ok(Math.abs(occurMs - startedAt) < 60_000, `occur_time ${occurMs} is close to ${startedAt}`);

    const got = await a.getEvent({ id: event.id });
    assert.ok(got.event !== undefined);
    assert.deepEqual(toJson(EventSchema, got.event), toJson(EventSchema, event));
    single = event;
  });

  it("replays a retried request_id and refuses it with a different payload", async () => {
    const requestId = randomUUID();
    const newEvent = {
      sessionId: `idem-${runId}`,
      type: EventType.OBSERVATION,
      content: "The nightly build finished in 14 minutes",
    };
    const first = await a.recordEvent({ event: newEvent, requestId });
    const second = await a.recordEvent({ event: newEvent, requestId });
    assert.equal(first.replayed, false);
    assert.equal(second.replayed, true);
    assert.equal(second.event?.id, first.event?.id);

    const err = await expectError(() =>
      a.recordEvent({ event: { ...newEvent, content: "Something else entirely" }, requestId }),
    );
    assert.equal(err.code, Code.AlreadyExists, describeError(err));
    assert.equal(err.errorReason, ErrorReason.REQUEST_ID_REUSED, describeError(err));
  });

  it("records a batch in order", async () => {
    const session = `batch-${runId}`;
    const contents = [
      "Ran the unit tests for the billing module; all 214 passed",
      "Refactored the user profile page to use the new design tokens",
      "Observed high memory usage in the worker pool during the nightly batch",
      "Deployed version 2.3.1 of the API to staging",
      "Rotated the zephyrine TLS certificate on the quokka load balancer after it expired",
    ];
    const response = await a.recordEvents({
      events: contents.map((content, i) => ({
        sessionId: session,
        type: i === 2 ? EventType.OBSERVATION : EventType.ACTION,
        actor: "ts-client-test",
        content,
        importance: 0.1 * (i + 1),
      })),
    });
    assert.equal(response.replayed, false);
    assert.deepEqual(
      response.events.map((e) => e.content),
      contents,
    );
    assert.equal(new Set(response.events.map((e) => e.id)).size, contents.length, "ids are distinct");
    for (const [i, e] of response.events.entries()) {
      assert.match(e.id, UUID_RE);
      assert.equal(e.sessionId, session);
      assert.ok(Math.abs(e.importance - 0.1 * (i + 1)) < 1e-9, `importance of event ${i}`);
    }
    target = response.events[4]!;
  });

  it("rejects an invalid batch atomically, naming events[i].field", async () => {
    const session = `bad-batch-${runId}`;
    const err = await expectError(() =>
      a.recordEvents({
        events: [
          { sessionId: session, type: EventType.ACTION, content: "fine" },
          { sessionId: session, type: EventType.ACTION, content: "" },
        ],
      }),
    );
    assert.equal(err.code, Code.InvalidArgument, describeError(err));
    assert.ok(
      err.fieldViolations.some((v) => v.field === "events[1].content"),
      `violations name events[1].content: ${describeError(err)}`,
    );
    const stored = await collect(a.listAllEvents({ sessionId: session }));
    assert.equal(stored.length, 0, "nothing of the failed batch was stored");
  });

  it("finds the distinctive event first with hybrid search", async () => {
    const query = "zephyrine certificate on the quokka load balancer";
    const hybrid = await a.searchEvents({ query, mode: SearchMode.HYBRID, topK: 5 });
    assert.ok(hybrid.results.length >= 1, "hybrid search returns results");
    assert.ok(hybrid.results.length <= 5, "top_k is respected");
    const best = hybrid.results[0]!;
    assert.equal(best.event?.id, target.id, `best hit: ${best.event?.content}`);
    assert.equal(best.textRank, 1, "the target is the best full-text candidate");
    assert.ok(best.score > 0, "fused score is positive");
    for (let i = 1; i < hybrid.results.length; i++) {
      assert.ok(hybrid.results[i - 1]!.score >= hybrid.results[i]!.score, "results are best first");
    }

    const fullText = await a.searchEvents({ query, mode: SearchMode.FULL_TEXT, topK: 5 });
    assert.deepEqual(
      fullText.results.map((r) => r.event?.id),
      [target.id],
      "full-text search matches only the event containing the words",
    );

    const filtered = await a.searchEvents({
      query,
      mode: SearchMode.HYBRID,
      filter: { types: [EventType.OBSERVATION] },
    });
    assert.ok(
      filtered.results.every((r) => r.event?.type === EventType.OBSERVATION),
      "the type filter applies to search",
    );
    assert.ok(!filtered.results.some((r) => r.event?.id === target.id));
  });

  it("rejects an empty search query", async () => {
    const err = await expectError(() => a.searchEvents({ query: "" }));
    assert.equal(err.code, Code.InvalidArgument, describeError(err));
    assert.ok(err.fieldViolations.some((v) => v.field === "query"), describeError(err));
  });

  describe("pagination, statistics and deletion", () => {
    const session = `pages-${runId}`;
    const base = new Date(Date.now() - 3_600_000);
    base.setMilliseconds(0);
    let ids: string[] = [];

    before(async () => {
      const response = await a.recordEvents({
        events: Array.from({ length: 7 }, (_, i) => ({
          sessionId: session,
          type: i % 2 === 0 ? EventType.ACTION : EventType.OBSERVATION,
          outcome: i % 2 === 0 ? Outcome.SUCCESS : Outcome.UNSPECIFIED,
          content: `paginated event number ${i}`,
          occurTime: timestampFromDate(new Date(base.getTime() + i * 1000)),
          importance: i / 10,
        })),
      });
      ids = response.events.map((e) => e.id);
      assert.equal(ids.length, 7);
    });

    it("listAllEvents returns every event exactly once, in order, across pages", async () => {
      const pages = await collect(
        a.listEventPages({ sessionId: session }, { pageSize: 2, order: SortOrder.ASCENDING }),
      );
      assert.deepEqual(
        pages.map((p) => p.items.length),
        [2, 2, 2, 1],
        "7 events in pages of 2",
      );
      assert.equal(pages.at(-1)!.nextPageToken, "", "the last page has no next token");

      const ascending = await collect(
        a.listAllEvents({ sessionId: session }, { pageSize: 2, order: SortOrder.ASCENDING }),
      );
      assert.deepEqual(
        ascending.map((e) => e.id),
        ids,
      );
      const newestFirst = await collect(a.listAllEvents({ sessionId: session }, { pageSize: 3 }));
      assert.deepEqual(
        newestFirst.map((e) => e.id),
        [...ids].reverse(),
        "newest first by default",
      );
    });

    it("refuses a page token used with a different filter", async () => {
      const first = await a.listEvents({ filter: { sessionId: session }, pageSize: 2 });
      assert.notEqual(first.nextPageToken, "");
      const err = await expectError(() =>
        a.listEvents({
          filter: { sessionId: `${session}-other` },
          pageSize: 2,
          pageToken: first.nextPageToken,
        }),
      );
      assert.equal(err.code, Code.InvalidArgument, describeError(err));
      assert.equal(err.errorReason, ErrorReason.INVALID_PAGE_TOKEN, describeError(err));
    });

    it("getEventStats describes the session", async () => {
      const stats = await a.getEventStats({ filter: { sessionId: session } });
      assert.equal(stats.project?.id, projectA);
      assert.equal(stats.totalCount, 7n);
      assert.equal(stats.sessionCount, 1n);
      assert.deepEqual({ ...stats.countByType }, { EVENT_TYPE_ACTION: 4n, EVENT_TYPE_OBSERVATION: 3n });
      assert.equal(stats.countByOutcome["OUTCOME_SUCCESS"], 4n);
      assert.equal(stats.countByConsolidationStatus["CONSOLIDATION_STATUS_PENDING"], 7n);
      assert.equal(timestampDate(stats.firstOccurTime!).getTime(), base.getTime());
      assert.equal(timestampDate(stats.lastOccurTime!).getTime(), base.getTime() + 6000);
      assert.ok(Math.abs(stats.meanImportance - 0.3) < 1e-9, `mean importance ${stats.meanImportance}`);
    });

    it("deletes one event and then the rest by filter", async () => {
      const refused = await expectError(() => a.deleteEvents({}));
      assert.equal(refused.code, Code.InvalidArgument, describeError(refused));

      const dryRun = await a.deleteEvents({ filter: { sessionId: session }, validateOnly: true });
      assert.equal(dryRun.deletedCount, 7n);
      assert.equal((await collect(a.listAllEvents({ sessionId: session }))).length, 7);

      const deleted = await a.deleteEvent({ id: ids[0]!, reason: "test" });
      assert.equal(deleted.id, ids[0]);
      const gone = await expectError(() => a.getEvent({ id: ids[0]! }));
      assert.equal(gone.code, Code.NotFound, describeError(gone));
      const again = await expectError(() => a.deleteEvent({ id: ids[0]! }));
      assert.equal(again.code, Code.NotFound, describeError(again));

      const rest = await a.deleteEvents({ filter: { sessionId: session }, reason: "test" });
      assert.equal(rest.deletedCount, 6n);
      assert.deepEqual(await collect(a.listAllEvents({ sessionId: session })), []);
    });
  });

  it("getEvent of an unknown id is NOT_FOUND", async () => {
    const err = await expectError(() => a.getEvent({ id: randomUUID() }));
    assert.equal(err.code, Code.NotFound, describeError(err));
    assert.equal(err.errorReason, ErrorReason.NOT_FOUND, describeError(err));
    assert.equal(err.domain, "athena.dev", describeError(err));
    assert.ok(err.detailTypes.includes("google.rpc.ErrorInfo"), describeError(err));
  });

  it("getEvent of a malformed id is INVALID_ARGUMENT naming the field", async () => {
    const err = await expectError(() => a.getEvent({ id: "not-a-uuid" }));
    assert.equal(err.code, Code.InvalidArgument, describeError(err));
    assert.equal(err.errorReason, ErrorReason.INVALID_ARGUMENT, describeError(err));
    assert.ok(err.fieldViolations.some((v) => v.field === "id"), describeError(err));
  });

  it("empty content is INVALID_ARGUMENT with a field violation", async () => {
    const err = await expectError(() =>
      a.recordEvent({ event: { sessionId: `invalid-${runId}`, type: EventType.ACTION, content: "" } }),
    );
    assert.equal(err.code, Code.InvalidArgument, describeError(err));
    assert.equal(err.errorReason, ErrorReason.INVALID_ARGUMENT, describeError(err));
    assert.equal(err.domain, "athena.dev", describeError(err));
    assert.ok(err.detailTypes.includes("google.rpc.BadRequest"), describeError(err));
    const violation = err.fieldViolations.find((v) => v.field === "event.content");
    assert.ok(violation !== undefined, `a violation names event.content: ${describeError(err)}`);
    assert.notEqual(violation.description, "");
  });

  it("a malformed project header is INVALID_ARGUMENT", async () => {
    const err = await expectError(() =>
      a.getEvent({ id: single.id }, { headers: { "x-athena-project": "Not A Project!" } }),
    );
    assert.equal(err.code, Code.InvalidArgument, describeError(err));
  });

  it("another project cannot see the first project's events", async () => {
    const hidden = await expectError(() => b.getEvent({ id: single.id }));
    assert.equal(hidden.code, Code.NotFound, describeError(hidden));
    const undeletable = await expectError(() => b.deleteEvent({ id: single.id }));
    assert.equal(undeletable.code, Code.NotFound, describeError(undeletable));

    assert.deepEqual(await collect(b.listAllEvents()), [], "project B starts empty");
    const search = await b.searchEvents({ query: "zephyrine certificate on the quokka load balancer" });
    assert.deepEqual(search.results, [], "project B's search sees nothing of project A");
    const stats = await b.getEventStats({});
    assert.equal(stats.totalCount, 0n);
    assert.equal(stats.project?.id, projectB);

    const own = await b.recordEvent({
      event: { sessionId: `b-${runId}`, type: EventType.MESSAGE, content: "hello from project B" },
    });
    const listedB = await collect(b.listAllEvents());
    assert.deepEqual(
      listedB.map((e) => e.id),
      [own.event!.id],
    );
    const fromA = await expectError(() => a.getEvent({ id: own.event!.id }));
    assert.equal(fromA.code, Code.NotFound, describeError(fromA));
    const inA = await collect(a.listAllEvents({ sessionId: `b-${runId}` }));
    assert.deepEqual(inA, []);

    // Project A still sees its own event.
    const mine = await a.getEvent({ id: single.id });
    assert.equal(mine.event?.id, single.id);
  });

  it("reaches any service through service(), scoped and with AthenaError failures", async () => {
    const memoryA = a.service(MemoryService);
    const mine = await memoryA.getEvent({ id: single.id });
    assert.equal(mine.event?.content, single.content);
    const fromB = await expectError(() => b.service(MemoryService).getEvent({ id: single.id }));
    assert.ok(fromB instanceof AthenaError);
    assert.equal(fromB.code, Code.NotFound, describeError(fromB));
    const bad = await expectError(() => memoryA.getEvent({ id: "not-a-uuid" }));
    assert.equal(bad.code, Code.InvalidArgument, describeError(bad));
    assert.ok(bad.fieldViolations.some((v) => v.field === "id"), describeError(bad));
  });

  it("streams a sandboxed run through service(ExecutionService)", async () => {
    const execution = a.service(ExecutionService);
    const printed: string[] = [];
    let termination: TerminationReason | undefined;
    for await (const message of execution.executeCode({ code: "print('hello from wasm')" })) {
      if (message.event.case === "output") {
        printed.push(new TextDecoder().decode(message.event.value.data));
      } else if (message.event.case === "result") {
        termination = message.event.value.termination;
      }
    }
    assert.equal(printed.join(""), "hello from wasm\n");
    assert.equal(termination, TerminationReason.OK);
    const bad = await expectError(async () => {
      for await (const _ of execution.executeCode({ code: "" })) {
        // the stream fails before its first message
      }
    });
    assert.equal(bad.code, Code.InvalidArgument, describeError(bad));
  });

  it("the server printed exactly its ready line on stdout", () => {
    if (server === undefined) {
      return; // an external server (ATHENA_TEST_ADDRESS) was used
    }
    assert.equal(server.stdoutLines.length, 1, `stdout lines: ${JSON.stringify(server.stdoutLines)}`);
    assert.match(server.stdoutLines[0]!, READY_LINE);
  });
});
