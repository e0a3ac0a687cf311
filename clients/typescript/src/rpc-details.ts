// Descriptors for the google.rpc error detail messages that Athena attaches to errors
// (google/rpc/error_details.proto). @bufbuild/protobuf does not ship them, so they are declared
// here by hand as a FileDescriptorProto; only the fields Athena uses are included, and anything
// else on the wire is kept as unknown fields.

import { create, createFileRegistry } from "@bufbuild/protobuf";
import type { Message } from "@bufbuild/protobuf";
import type { GenMessage } from "@bufbuild/protobuf/codegenv2";
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";

/** google.rpc.ErrorInfo: why an error happened (reason, domain, metadata). */
export type ErrorInfo = Message<"google.rpc.ErrorInfo"> & {
  reason: string;
  domain: string;
  metadata: { [key: string]: string };
};

/** google.rpc.BadRequest.FieldViolation: one offending request field. */
export type BadRequest_FieldViolation = Message<"google.rpc.BadRequest.FieldViolation"> & {
  field: string;
  description: string;
  reason: string;
};

/** google.rpc.BadRequest: every field of the request that broke a rule. */
export type BadRequest = Message<"google.rpc.BadRequest"> & {
  fieldViolations: BadRequest_FieldViolation[];
};

/** google.rpc.RequestInfo: the server's id for the failed request. */
export type RequestInfo = Message<"google.rpc.RequestInfo"> & {
  requestId: string;
  servingData: string;
};

function field(name: string, number: number, jsonName: string, extra: object = {}) {
  return { name, number, jsonName, label: Label.OPTIONAL, type: Type.STRING, ...extra };
}

const errorDetailsFile = create(FileDescriptorProtoSchema, {
  name: "google/rpc/error_details.proto",
  package: "google.rpc",
  syntax: "proto3",
  messageType: [
    {
      name: "ErrorInfo",
      field: [
        field("reason", 1, "reason"),
        field("domain", 2, "domain"),
        field("metadata", 3, "metadata", {
          label: Label.REPEATED,
          type: Type.MESSAGE,
          typeName: ".google.rpc.ErrorInfo.MetadataEntry",
        }),
      ],
      nestedType: [
        {
          name: "MetadataEntry",
          field: [field("key", 1, "key"), field("value", 2, "value")],
          options: { mapEntry: true },
        },
      ],
    },
    {
      name: "BadRequest",
      field: [
        field("field_violations", 1, "fieldViolations", {
          label: Label.REPEATED,
          type: Type.MESSAGE,
          typeName: ".google.rpc.BadRequest.FieldViolation",
        }),
      ],
      nestedType: [
        {
          name: "FieldViolation",
          field: [
            field("field", 1, "field"),
            field("description", 2, "description"),
            field("reason", 3, "reason"),
          ],
        },
      ],
    },
    {
      name: "RequestInfo",
      field: [field("request_id", 1, "requestId"), field("serving_data", 2, "servingData")],
    },
  ],
});

/** A registry holding the google.rpc detail messages above. */
export const errorDetailsRegistry = createFileRegistry(errorDetailsFile, () => undefined);

function messageSchema<T extends Message>(typeName: string): GenMessage<T> {
  const desc = errorDetailsRegistry.getMessage(typeName);
  if (desc === undefined) {
    throw new Error(`missing descriptor for ${typeName}`);
  }
  return desc as GenMessage<T>;
}

export const ErrorInfoSchema = messageSchema<ErrorInfo>("google.rpc.ErrorInfo");
export const BadRequestSchema = messageSchema<BadRequest>("google.rpc.BadRequest");
export const RequestInfoSchema = messageSchema<RequestInfo>("google.rpc.RequestInfo");
