// Decodes the protobuf encoding of an OTLP ExportTraceServiceRequest into
// the shape of its JSON encoding (hex ids, the same field names), so the
// test receiver reads both encodings through one path. Only the fields the
// tests look at are kept (every field the JSON path reads); the rest are
// skipped by wire type. Field numbers from opentelemetry-proto
// (collector/trace/v1, trace/v1, common/v1).

interface Field {
  readonly field: number;
  /** Wire type 0 (varint) and 1/5 (fixed) give a bigint; 2 (length-delimited) gives the bytes. */
  readonly value: bigint | Uint8Array;
}

function* fields(buf: Uint8Array): Generator<Field> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (pos >= buf.length) throw new Error('protobuf: truncated varint');
      const byte = buf[pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
  };
  while (pos < buf.length) {
    const tag = Number(varint());
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) yield { field, value: varint() };
    else if (wire === 1) {
      yield { field, value: view.getBigUint64(pos, true) };
      pos += 8;
    } else if (wire === 2) {
      const length = Number(varint());
      if (pos + length > buf.length) throw new Error('protobuf: length past the end');
      yield { field, value: buf.subarray(pos, pos + length) };
      pos += length;
    } else if (wire === 5) {
      yield { field, value: BigInt(view.getUint32(pos, true)) };
      pos += 4;
    } else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
}

const bytes = (v: bigint | Uint8Array): Uint8Array => {
  if (!(v instanceof Uint8Array)) throw new Error('protobuf: expected a length-delimited field');
  return v;
};
const text = (v: bigint | Uint8Array) => Buffer.from(bytes(v)).toString('utf8');
const hex = (v: bigint | Uint8Array) => Buffer.from(bytes(v)).toString('hex');
const int = (v: bigint | Uint8Array) => {
  if (v instanceof Uint8Array) throw new Error('protobuf: expected a varint');
  return Number(BigInt.asIntN(64, v));
};

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number;
  doubleValue?: number;
  arrayValue?: { values: AnyValue[] };
}

function anyValue(buf: Uint8Array): AnyValue {
  const out: AnyValue = {};
  for (const { field, value } of fields(buf)) {
    if (field === 1) out.stringValue = text(value);
    else if (field === 2) out.boolValue = int(value) !== 0;
    else if (field === 3) out.intValue = int(value);
    else if (field === 4) {
      const b = new DataView(new ArrayBuffer(8));
      b.setBigUint64(0, value as bigint, true);
      out.doubleValue = b.getFloat64(0, true);
    } else if (field === 5) out.arrayValue = { values: [...fields(bytes(value))].filter((f) => f.field === 1).map((f) => anyValue(bytes(f.value))) };
  }
  return out;
}

function keyValue(buf: Uint8Array): { key: string; value: AnyValue } {
  let key = '';
  let value: AnyValue = {};
  for (const f of fields(buf)) {
    if (f.field === 1) key = text(f.value);
    else if (f.field === 2) value = anyValue(bytes(f.value));
  }
  return { key, value };
}

function event(buf: Uint8Array) {
  const out = { name: '', timeUnixNano: '', attributes: [] as ReturnType<typeof keyValue>[] };
  for (const { field, value } of fields(buf)) {
    if (field === 1) out.timeUnixNano = String(value);
    else if (field === 2) out.name = text(value);
    else if (field === 3) out.attributes.push(keyValue(bytes(value)));
  }
  return out;
}

function status(buf: Uint8Array): { code: number; message?: string } {
  const out: { code: number; message?: string } = { code: 0 };
  for (const { field, value } of fields(buf)) {
    if (field === 2) out.message = text(value);
    else if (field === 3) out.code = int(value);
  }
  return out;
}

function span(buf: Uint8Array) {
  const out = { traceId: '', spanId: '', parentSpanId: '', name: '', kind: 0, startTimeUnixNano: '', endTimeUnixNano: '', attributes: [] as ReturnType<typeof keyValue>[], events: [] as ReturnType<typeof event>[], status: { code: 0 } as ReturnType<typeof status>, flags: undefined as number | undefined };
  for (const { field, value } of fields(buf)) {
    if (field === 1) out.traceId = hex(value);
    else if (field === 2) out.spanId = hex(value);
    else if (field === 4) out.parentSpanId = hex(value);
    else if (field === 5) out.name = text(value);
    else if (field === 6) out.kind = int(value);
    else if (field === 7) out.startTimeUnixNano = String(value);
    else if (field === 8) out.endTimeUnixNano = String(value);
    else if (field === 9) out.attributes.push(keyValue(bytes(value)));
    else if (field === 11) out.events.push(event(bytes(value)));
    else if (field === 15) out.status = status(bytes(value));
    else if (field === 16) out.flags = int(value);
  }
  return out;
}

function scopeSpans(buf: Uint8Array) {
  const out = { scope: { name: '' }, spans: [] as ReturnType<typeof span>[] };
  for (const { field, value } of fields(buf)) {
    if (field === 1) for (const s of fields(bytes(value))) if (s.field === 1) out.scope.name = text(s.value);
    if (field === 2) out.spans.push(span(bytes(value)));
  }
  return out;
}

function resourceSpans(buf: Uint8Array) {
  const out = { resource: { attributes: [] as ReturnType<typeof keyValue>[] }, scopeSpans: [] as ReturnType<typeof scopeSpans>[] };
  for (const { field, value } of fields(buf)) {
    if (field === 1) for (const a of fields(bytes(value))) if (a.field === 1) out.resource.attributes.push(keyValue(bytes(a.value)));
    if (field === 2) out.scopeSpans.push(scopeSpans(bytes(value)));
  }
  return out;
}

/** ExportTraceServiceRequest (protobuf) in the shape of its OTLP/JSON encoding. */
export function decodeProtobufTraces(buf: Uint8Array) {
  return { resourceSpans: [...fields(buf)].filter((f) => f.field === 1).map((f) => resourceSpans(bytes(f.value))) };
}
