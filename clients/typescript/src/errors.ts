// AthenaError: a ConnectError with Athena's structured error details decoded.

import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorReason } from "./gen/athena/v1/common_pb.js";
import { BadRequestSchema, ErrorInfoSchema, RequestInfoSchema } from "./rpc-details.js";

/** The error domain Athena puts in every google.rpc.ErrorInfo. */
export const ATHENA_ERROR_DOMAIN = "athena.dev";

/** One request field that broke a rule (from google.rpc.BadRequest). */
export interface FieldViolation {
  /** Path of the offending field, for example `event.content` or `events[2].type`. */
  field: string;
  /** What is wrong with it, in English. */
  description: string;
  /** A machine-readable rule id, when the server sends one. */
  reason: string;
}

/**
 * An error returned by the Athena server (or raised by the transport), with the details Athena
 * attaches decoded:
 *
 * - `code`: the gRPC status code (`Code.NotFound`, `Code.InvalidArgument`, ...).
 * - `reason`: the `google.rpc.ErrorInfo` reason string as sent (empty when absent), and
 *   `errorReason`: the same value as an `ErrorReason` enum (`UNSPECIFIED` when absent or unknown).
 * - `fieldViolations`: the `google.rpc.BadRequest` field violations (empty unless INVALID_ARGUMENT).
 * - `detailTypes`: the type names of every detail on the error, decoded or not.
 *
 * AthenaError extends ConnectError, so `instanceof ConnectError`, `err.code`, `err.rawMessage`
 * and `err.findDetails()` keep working.
 */
export class AthenaError extends ConnectError {
  // The inherited `name` stays "ConnectError": ConnectError's own instanceof check relies on it
  // for instances whose prototype is not ConnectError.prototype.
  /** `google.rpc.ErrorInfo.reason`, for example `ERROR_REASON_NOT_FOUND`; empty when absent. */
  readonly reason: string;
  /** `reason` as an enum value; `ErrorReason.UNSPECIFIED` when absent or not recognized. */
  readonly errorReason: ErrorReason;
  /** `google.rpc.ErrorInfo.domain` (`athena.dev` for server errors); empty when absent. */
  readonly domain: string;
  /** `google.rpc.ErrorInfo.metadata`. */
  readonly errorMetadata: Readonly<Record<string, string>>;
  /** `google.rpc.BadRequest.field_violations`. */
  readonly fieldViolations: readonly FieldViolation[];
  /** `google.rpc.RequestInfo.request_id`, when the server sends one. */
  readonly requestId: string | undefined;
  /** Fully qualified type names of all error details, for example `google.rpc.ErrorInfo`. */
  readonly detailTypes: readonly string[];

  private constructor(err: ConnectError) {
    super(err.rawMessage, err.code, err.metadata, undefined, err.cause ?? err);
    this.details = err.details;
    const info = safeFind(() => err.findDetails(ErrorInfoSchema))[0];
    this.reason = info?.reason ?? "";
    this.errorReason = parseErrorReason(this.reason);
    this.domain = info?.domain ?? "";
    this.errorMetadata = { ...(info?.metadata ?? {}) };
    this.fieldViolations = safeFind(() => err.findDetails(BadRequestSchema)).flatMap((bad) =>
      bad.fieldViolations.map((v) => ({
        field: v.field,
        description: v.description,
        reason: v.reason,
      })),
    );
    this.requestId = safeFind(() => err.findDetails(RequestInfoSchema))[0]?.requestId || undefined;
    this.detailTypes = err.details.map((d) => ("desc" in d ? d.desc.typeName : d.type));
  }

  /**
   * ConnectError overrides `instanceof` with a structural check that subclasses inherit; an
   * AthenaError is only what AthenaError constructed, so use the plain prototype-chain test.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }

  /**
   * Converts anything thrown by a call into an AthenaError. ConnectErrors keep their code,
   * message, metadata and details; other values become `Code.Unknown` (or `Code.Canceled` /
   * `Code.DeadlineExceeded` for aborts, as ConnectError.from decides).
   */
  static override from(reason: unknown): AthenaError {
    if (reason instanceof AthenaError) {
      return reason;
    }
    return new AthenaError(ConnectError.from(reason));
  }

  /** The status code's name, for example `NotFound`. */
  get codeName(): string {
    return Code[this.code] ?? String(this.code);
  }

  /** A plain summary, handy for logs and assertions. */
  toJSON(): {
    code: Code;
    codeName: string;
    message: string;
    reason: string;
    domain: string;
    fieldViolations: FieldViolation[];
    requestId: string | undefined;
    detailTypes: string[];
  } {
    return {
      code: this.code,
      codeName: this.codeName,
      message: this.rawMessage,
      reason: this.reason,
      domain: this.domain,
      fieldViolations: [...this.fieldViolations],
      requestId: this.requestId,
      detailTypes: [...this.detailTypes],
    };
  }
}

/** Returns true when `err` is an AthenaError with the given code (and reason, if given). */
export function isAthenaError(err: unknown, code?: Code, reason?: ErrorReason): err is AthenaError {
  return (
    err instanceof AthenaError &&
    (code === undefined || err.code === code) &&
    (reason === undefined || err.errorReason === reason)
  );
}

/**
 * Maps an ErrorInfo reason string to ErrorReason. Accepts the enum value name
 * (`ERROR_REASON_NOT_FOUND`) and the same without its prefix (`NOT_FOUND`).
 */
export function parseErrorReason(reason: string): ErrorReason {
  if (reason === "") {
    return ErrorReason.UNSPECIFIED;
  }
  const key = reason.toUpperCase().replace(/^ERROR_REASON_/, "");
  const value = (ErrorReason as unknown as Record<string, ErrorReason | string>)[key];
  return typeof value === "number" ? value : ErrorReason.UNSPECIFIED;
}

function safeFind<T>(find: () => T[]): T[] {
  try {
    return find();
  } catch {
    // A detail whose bytes do not decode as the expected message is ignored; its type name is
    // still listed in detailTypes.
    return [];
  }
}
