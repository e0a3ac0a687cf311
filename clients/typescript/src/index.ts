// @athena/client: TypeScript client for the Athena memory service.

export {
  AUTHORIZATION_HEADER,
  PROJECT_HEADER,
  createAthenaClient,
  metadataInterceptor,
} from "./client.js";
export type {
  AthenaClient,
  AthenaClientOptions,
  DeleteEventRequestInit,
  DeleteEventsRequestInit,
  EventFilterInit,
  GetEventRequestInit,
  GetEventStatsRequestInit,
  ListAllOptions,
  ListEventsRequestInit,
  RecordEventRequestInit,
  RecordEventsRequestInit,
  SearchEventsRequestInit,
} from "./client.js";
export { ATHENA_ERROR_DOMAIN, AthenaError, isAthenaError, parseErrorReason } from "./errors.js";
export type { FieldViolation } from "./errors.js";
export { collect, flattenPages, paginate } from "./pagination.js";
export type { Page } from "./pagination.js";
export { BadRequestSchema, ErrorInfoSchema, RequestInfoSchema, errorDetailsRegistry } from "./rpc-details.js";
export type { BadRequest, BadRequest_FieldViolation, ErrorInfo, RequestInfo } from "./rpc-details.js";

// Generated messages, enums and schemas (athena.v1).
export * from "./gen/athena/v1/common_pb.js";
export * from "./gen/athena/v1/memory_pb.js";
// The other services: reach them with `client.service(ExecutionService)` and friends.
export * from "./gen/athena/v1/consolidation_pb.js";
export * from "./gen/athena/v1/execution_pb.js";
export * from "./gen/athena/v1/graph_pb.js";
export * from "./gen/athena/v1/meta_pb.js";
export * from "./gen/athena/v1/orchestration_pb.js";
export * from "./gen/athena/v1/planning_pb.js";
export * from "./gen/athena/v1/prospective_pb.js";
export * from "./gen/athena/v1/recall_pb.js";
export * from "./gen/athena/v1/semantic_pb.js";

// Commonly needed runtime pieces, so users need no direct dependency for them.
export { Code, ConnectError } from "@connectrpc/connect";
export type { CallOptions, Interceptor } from "@connectrpc/connect";
export { create, fromJson, toJson } from "@bufbuild/protobuf";
export { timestampDate, timestampFromDate, timestampNow } from "@bufbuild/protobuf/wkt";
export type { Timestamp } from "@bufbuild/protobuf/wkt";
