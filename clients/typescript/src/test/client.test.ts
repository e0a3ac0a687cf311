// Tests of the client wrapper itself (headers, error decoding, pagination) against an in-process
// gRPC server that fakes MemoryService; they need no Athena server.

import assert from "node:assert/strict";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";

import { create } from "@bufbuild/protobuf";
import { connectNodeAdapter } from "@connectrpc/connect-node";

import {
  AthenaError,
  BadRequestSchema,
  Code,
  ConnectError,
  ErrorInfoSchema,
  ErrorReason,
  EventSchema,
  EventType,
  MemoryService,
  RequestInfoSchema,
  collect,
  createAthenaClient,
  parseErrorReason,
} from "../index.js";
import type { AthenaClient, Event } from "../index.js";

const EVENTS: Event[] = Array.from({ length: 5 }, (_, i) =>
  create(EventSchema, { id: `id-${i}`, sessionId: "s", type: EventType.ACTION, content: `event ${i}` }),
);

describe("client wrapper against a fake server", () => {
  let server: http2.Http2Server;
  let address: string;
  let client: AthenaClient;
  const seenHeaders: { project: string | null; authorization: string | null }[] = [];
  const listRequests: { pageSize: number; pageToken: string; sessionId: string }[] = [];

  before(async () => {
    const handler = connectNodeAdapter({
      grpc: true,
      grpcWeb: false,
      connect: false,
      routes(router) {
        router.service(MemoryService, {
          getEvent(req, ctx) {
            seenHeaders.push({
              project: ctx.requestHeader.get("x-athena-project"),
              authorization: ctx.requestHeader.get("authorization"),
            });
            if (req.id === "missing") {
              throw new ConnectError("event not found", Code.NotFound, undefined, [
                {
                  desc: ErrorInfoSchema,
                  value: { reason: "ERROR_REASON_NOT_FOUND", domain: "athena.dev", metadata: { id: req.id } },
                },
                { desc: RequestInfoSchema, value: { requestId: "req-1" } },
              ]);
            }
            if (req.id === "") {
              throw new ConnectError("invalid request", Code.InvalidArgument, undefined, [
                { desc: ErrorInfoSchema, value: { reason: "ERROR_REASON_INVALID_ARGUMENT", domain: "athena.dev" } },
                {
                  desc: BadRequestSchema,
                  value: { fieldViolations: [{ field: "id", description: "value is empty", reason: "string.uuid" }] },
                },
              ]);
            }
            if (req.id === "bare") {
              throw new ConnectError("no details", Code.Unavailable);
            }
            return { event: EVENTS.find((e) => e.id === req.id) };
          },
          listEvents(req) {
            listRequests.push({
              pageSize: req.pageSize,
              pageToken: req.pageToken,
              sessionId: req.filter?.sessionId ?? "",
            });
            const start = req.pageToken === "" ? 0 : Number(req.pageToken.replace("offset-", ""));
            const end = Math.min(start + req.pageSize, EVENTS.length);
            return {
              events: EVENTS.slice(start, end),
              nextPageToken: end < EVENTS.length ? `offset-${end}` : "",
            };
          },
        });
      },
    });
    server = http2.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = createAthenaClient({ address, project: "proj-a", apiKey: "secret" });
  });

  after(async () => {
    client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("sends the project and bearer key headers, with per-call overrides", async () => {
    seenHeaders.length = 0;
    const response = await client.getEvent({ id: "id-1" });
    assert.equal(response.event?.content, "event 1");
    await client.getEvent({ id: "id-2" }, { headers: { "x-athena-project": "override" } });
    await client.withProject("proj-b").getEvent({ id: "id-3" });
    const anonymous = createAthenaClient({ address: `http://${address}/` });
    try {
      await anonymous.getEvent({ id: "id-4" });
    } finally {
      anonymous.close();
    }
    assert.deepEqual(seenHeaders, [
      { project: "proj-a", authorization: "Bearer secret" },
      { project: "override", authorization: "Bearer secret" },
      { project: "proj-b", authorization: "Bearer secret" },
      { project: null, authorization: null },
    ]);
  });

  it("decodes ErrorInfo and RequestInfo into an AthenaError", async () => {
    const err = await client.getEvent({ id: "missing" }).then(
      () => assert.fail("expected NOT_FOUND"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AthenaError);
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.NotFound);
    assert.equal(err.codeName, "NotFound");
    assert.equal(err.rawMessage, "event not found");
    assert.equal(err.reason, "ERROR_REASON_NOT_FOUND");
    assert.equal(err.errorReason, ErrorReason.NOT_FOUND);
    assert.equal(err.domain, "athena.dev");
    assert.deepEqual(err.errorMetadata, { id: "missing" });
    assert.equal(err.requestId, "req-1");
    assert.deepEqual(err.fieldViolations, []);
    assert.deepEqual(err.detailTypes, ["google.rpc.ErrorInfo", "google.rpc.RequestInfo"]);
  });

  it("decodes BadRequest field violations", async () => {
    const err = await client.getEvent({ id: "" }).catch((e: unknown) => e);
    assert.ok(err instanceof AthenaError);
    assert.equal(err.code, Code.InvalidArgument);
    assert.equal(err.errorReason, ErrorReason.INVALID_ARGUMENT);
    assert.deepEqual(err.fieldViolations, [
      { field: "id", description: "value is empty", reason: "string.uuid" },
    ]);
    assert.deepEqual(err.toJSON().fieldViolations, err.fieldViolations);
  });

  it("handles errors without details", async () => {
    const err = await client.getEvent({ id: "bare" }).catch((e: unknown) => e);
    assert.ok(err instanceof AthenaError);
    assert.equal(err.code, Code.Unavailable);
    assert.equal(err.reason, "");
    assert.equal(err.errorReason, ErrorReason.UNSPECIFIED);
    assert.deepEqual(err.detailTypes, []);
  });

  it("listAllEvents follows next_page_token with the same filter", async () => {
    listRequests.length = 0;
    const events = await collect(client.listAllEvents({ sessionId: "s" }, { pageSize: 2 }));
    assert.deepEqual(
      events.map((e) => e.id),
      EVENTS.map((e) => e.id),
    );
    assert.deepEqual(listRequests, [
      { pageSize: 2, pageToken: "", sessionId: "s" },
      { pageSize: 2, pageToken: "offset-2", sessionId: "s" },
      { pageSize: 2, pageToken: "offset-4", sessionId: "s" },
    ]);
  });

  it("parseErrorReason accepts full and short names", () => {
    assert.equal(parseErrorReason("ERROR_REASON_INVALID_PAGE_TOKEN"), ErrorReason.INVALID_PAGE_TOKEN);
    assert.equal(parseErrorReason("NOT_FOUND"), ErrorReason.NOT_FOUND);
    assert.equal(parseErrorReason("SOMETHING_NEW"), ErrorReason.UNSPECIFIED);
    assert.equal(parseErrorReason(""), ErrorReason.UNSPECIFIED);
  });

  it("AthenaError.from wraps non-Connect errors", () => {
    const err = AthenaError.from(new Error("boom"));
    assert.equal(err.code, Code.Unknown);
    assert.equal(err.rawMessage, "boom");
    assert.equal(AthenaError.from(err), err);
  });
});
