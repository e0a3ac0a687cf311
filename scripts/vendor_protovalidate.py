"""Extract buf/validate/validate.proto's descriptor from the protovalidate wheel.

The protovalidate schema normally comes from the Buf Schema Registry, which this project cannot
reach. The `protovalidate` package on PyPI embeds the same file as a serialized
FileDescriptorProto; this script writes it as a FileDescriptorSet that protoc reads with
`--descriptor_set_in`. Run it only when upgrading protovalidate.
"""

from __future__ import annotations

import ast
import inspect
import sys
from pathlib import Path

from google.protobuf import descriptor_pb2

OUT = Path(__file__).resolve().parents[1] / "protos" / "vendor" / "buf_validate.binpb"


def main() -> int:
    from protovalidate._gen.buf.validate import validate_pb

    tree = ast.parse(inspect.getsource(validate_pb))
    blobs = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, bytes)
        and node.value.startswith(b"\n\x1bbuf/validate/validate.proto")
    ]
    if len(blobs) != 1:
        print(f"expected one embedded descriptor, found {len(blobs)}", file=sys.stderr)
        return 1
    file_proto = descriptor_pb2.FileDescriptorProto.FromString(blobs[0])
    fds = descriptor_pb2.FileDescriptorSet(file=[file_proto])
    OUT.write_bytes(fds.SerializeToString(deterministic=True))
    print(f"wrote {OUT.relative_to(Path.cwd()) if OUT.is_relative_to(Path.cwd()) else OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
