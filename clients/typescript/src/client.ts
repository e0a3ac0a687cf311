// AthenaClient: a typed wrapper over the generated athena.v1.MemoryService gRPC stubs.

import type { DescService, MessageInitShape } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import type { CallOptions, Client, Interceptor, Transport } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import type { SortOrder } from "./gen/athena/v1/common_pb.js";
import {
  DeleteEventRequestSchema,
  DeleteEventsRequestSchema,
  GetEventRequestSchema,
  GetEventStatsRequestSchema,
  ListEventsRequestSchema,
  MemoryService,
  RecordEventRequestSchema,
  RecordEventsRequestSchema,
  SearchEventsRequestSchema,
} from "./gen/athena/v1/memory_pb.js";
import type {
  DeleteEventResponse,
  DeleteEventsResponse,
  Event,
  EventFilterSchema,
  EventOrderBy,
  GetEventResponse,
  GetEventStatsResponse,
  ListEventsResponse,
  RecordEventResponse,
  RecordEventsResponse,
  SearchEventsResponse,
} from "./gen/athena/v1/memory_pb.js";
import { AthenaError } from "./errors.js";
import { flattenPages, paginate } from "./pagination.js";
import type { Page } from "./pagination.js";

/** Metadata key carrying the caller's project (tenant). */
export const PROJECT_HEADER = "x-athena-project";
/** Metadata key carrying `Bearer <api key>`. */
export const AUTHORIZATION_HEADER = "authorization";

export type RecordEventRequestInit = MessageInitShape<typeof RecordEventRequestSchema>;
export type RecordEventsRequestInit = MessageInitShape<typeof RecordEventsRequestSchema>;
export type GetEventRequestInit = MessageInitShape<typeof GetEventRequestSchema>;
export type ListEventsRequestInit = MessageInitShape<typeof ListEventsRequestSchema>;
export type SearchEventsRequestInit = MessageInitShape<typeof SearchEventsRequestSchema>;
export type DeleteEventRequestInit = MessageInitShape<typeof DeleteEventRequestSchema>;
export type DeleteEventsRequestInit = MessageInitShape<typeof DeleteEventsRequestSchema>;
export type GetEventStatsRequestInit = MessageInitShape<typeof GetEventStatsRequestSchema>;
export type EventFilterInit = MessageInitShape<typeof EventFilterSchema>;

export interface AthenaClientOptions {
  /** Server address, for example `http://127.0.0.1:50051` (`127.0.0.1:50051` means plain http). */
  address: string;
  /** Project (tenant) sent as `x-athena-project` on every call; the server default when unset. */
  project?: string;
  /** API key sent as `authorization: Bearer <key>` on every call. */
  apiKey?: string;
  /** Default deadline for every call, in milliseconds (none by default). */
  timeoutMs?: number;
  /** Extra interceptors, run after the one that adds the project and credentials headers. */
  interceptors?: Interceptor[];
}

/** Options for listAllEvents / listEventPages. */
export interface ListAllOptions extends CallOptions {
  /** Page size asked of the server (1-1,000; server default 50). */
  pageSize?: number;
  /** Sort key; occur_time by default. */
  orderBy?: EventOrderBy;
  /** Sort direction; newest first by default. */
  order?: SortOrder;
}

export interface AthenaClient {
  /** Records one event. */
  recordEvent(request: RecordEventRequestInit, options?: CallOptions): Promise<RecordEventResponse>;
  /** Records up to 1,000 events atomically. */
  recordEvents(
    request: RecordEventsRequestInit,
    options?: CallOptions,
  ): Promise<RecordEventsResponse>;
  /** Returns one event by id. */
  getEvent(request: GetEventRequestInit, options?: CallOptions): Promise<GetEventResponse>;
  /** Returns one page of events matching a filter. */
  listEvents(request: ListEventsRequestInit, options?: CallOptions): Promise<ListEventsResponse>;
  /** Hybrid / full-text / vector search over event content. */
  searchEvents(
    request: SearchEventsRequestInit,
    options?: CallOptions,
  ): Promise<SearchEventsResponse>;
  /** Deletes one event. */
  deleteEvent(request: DeleteEventRequestInit, options?: CallOptions): Promise<DeleteEventResponse>;
  /** Deletes every event matching a filter (or counts them, with validateOnly). */
  deleteEvents(
    request: DeleteEventsRequestInit,
    options?: CallOptions,
  ): Promise<DeleteEventsResponse>;
  /** Counts and ranges over the events matching a filter. */
  getEventStats(
    request: GetEventStatsRequestInit,
    options?: CallOptions,
  ): Promise<GetEventStatsResponse>;
  /** Every event matching `filter`, fetched page by page (follows next_page_token). */
  listAllEvents(filter?: EventFilterInit, options?: ListAllOptions): AsyncGenerator<Event, void>;
  /** The pages behind listAllEvents, one ListEvents response at a time. */
  listEventPages(
    filter?: EventFilterInit,
    options?: ListAllOptions,
  ): AsyncGenerator<Page<Event>, void>;
  /** A client for another project that shares this client's connection. */
  withProject(project: string): AthenaClient;
  /**
   * A Connect client for any Athena service (for example `ExecutionService` or
   * `OrchestrationService` from this package), sharing this client's connection, project,
   * credentials and deadline. Every failure, streaming ones included, is an AthenaError.
   */
  service<T extends DescService>(service: T): Client<T>;
  /** The underlying Connect client, for call shapes the wrapper does not cover. */
  readonly raw: Client<typeof MemoryService>;
  /** The project this client sends (undefined: the server default). */
  readonly project: string | undefined;
  /** Closes the HTTP/2 connection (shared with clients made by withProject). */
  close(): void;
}

/** Creates a client for the Athena MemoryService over gRPC (HTTP/2). */
export function createAthenaClient(options: AthenaClientOptions): AthenaClient {
  const baseUrl = normalizeAddress(options.address);
  const sessionManager = new Http2SessionManager(baseUrl);
  return buildClient(options, baseUrl, sessionManager);
}

function buildClient(
  options: AthenaClientOptions,
  baseUrl: string,
  sessionManager: Http2SessionManager,
): AthenaClient {
  const transport: Transport = createGrpcTransport({
    baseUrl,
    sessionManager,
    interceptors: [metadataInterceptor(options.project, options.apiKey), ...(options.interceptors ?? [])],
    ...(options.timeoutMs !== undefined ? { defaultTimeoutMs: options.timeoutMs } : {}),
  });
  const raw = createClient(MemoryService, transport);
  const serviceTransport: Transport = createGrpcTransport({
    baseUrl,
    sessionManager,
    interceptors: [
      errorInterceptor(),
      metadataInterceptor(options.project, options.apiKey),
      ...(options.interceptors ?? []),
    ],
    ...(options.timeoutMs !== undefined ? { defaultTimeoutMs: options.timeoutMs } : {}),
  });

  const listEventPages = (
    filter: EventFilterInit = {},
    opts: ListAllOptions = {},
  ): AsyncGenerator<Page<Event>, void> => {
    const { pageSize, orderBy, order, ...callOptions } = opts;
    return paginate(async (pageToken) => {
      const response = await call(() =>
        raw.listEvents({ filter, pageSize, orderBy, order, pageToken }, callOptions),
      );
      return { items: response.events, nextPageToken: response.nextPageToken };
    });
  };

  return {
    raw,
    project: options.project,
    recordEvent: (request, callOptions) => call(() => raw.recordEvent(request, callOptions)),
    recordEvents: (request, callOptions) => call(() => raw.recordEvents(request, callOptions)),
    getEvent: (request, callOptions) => call(() => raw.getEvent(request, callOptions)),
    listEvents: (request, callOptions) => call(() => raw.listEvents(request, callOptions)),
    searchEvents: (request, callOptions) => call(() => raw.searchEvents(request, callOptions)),
    deleteEvent: (request, callOptions) => call(() => raw.deleteEvent(request, callOptions)),
    deleteEvents: (request, callOptions) => call(() => raw.deleteEvents(request, callOptions)),
    getEventStats: (request, callOptions) => call(() => raw.getEventStats(request, callOptions)),
    listEventPages,
    listAllEvents: (filter, opts) => flattenPages(listEventPages(filter, opts)),
    withProject: (project) => buildClient({ ...options, project }, baseUrl, sessionManager),
    service: (service) => createClient(service, serviceTransport),
    close: () => sessionManager.abort(),
  };
}

/** Runs a call and turns whatever it throws into an AthenaError. */
async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw AthenaError.from(err);
  }
}

/** Turns every failure of a call, including one in the middle of a stream, into an AthenaError. */
function errorInterceptor(): Interceptor {
  return (next) => async (req) => {
    try {
      const res = await next(req);
      if (!res.stream) {
        return res;
      }
      return { ...res, message: translateStream(res.message) };
    } catch (err) {
      throw AthenaError.from(err);
    }
  };
}

async function* translateStream<T>(source: AsyncIterable<T>): AsyncIterable<T> {
  try {
    for await (const message of source) {
      yield message;
    }
  } catch (err) {
    throw AthenaError.from(err);
  }
}

/**
 * Adds `x-athena-project` and `authorization` to every request. A header the caller set
 * explicitly for one call (CallOptions.headers) wins.
 */
export function metadataInterceptor(project?: string, apiKey?: string): Interceptor {
  return (next) => async (req) => {
    if (project !== undefined && project !== "" && !req.header.has(PROJECT_HEADER)) {
      req.header.set(PROJECT_HEADER, project);
    }
    if (apiKey !== undefined && apiKey !== "" && !req.header.has(AUTHORIZATION_HEADER)) {
      req.header.set(AUTHORIZATION_HEADER, `Bearer ${apiKey}`);
    }
    return next(req);
  };
}

function normalizeAddress(address: string): string {
  const trimmed = address.trim().replace(/\/+$/, "");
  if (trimmed === "") {
    throw new Error("athena: address must not be empty");
  }
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
}
