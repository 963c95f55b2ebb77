/**
 * Parquet files of one schema joined into one file by their row groups: the
 * column chunks are copied byte for byte and only the footer is rewritten
 * (its byte offsets moved), so joining takes the memory of the footers, not
 * of the data, and no value is decoded or re-encoded.
 *
 * The footer is Thrift's compact protocol; it is read into a generic tree
 * (field id, wire type, value) and written back unchanged except for the
 * offsets named below, so fields this module does not know survive.
 *
 * @module
 */
import { parquetFooter } from "./parquet_footer.ts";
import { writeAllSync } from "./write_all.ts";

/** Compact-protocol wire types. */
const STOP = 0, TRUE = 1, FALSE = 2, BYTE = 3, I16 = 4, I32 = 5, I64 = 6;
const DOUBLE = 7, BINARY = 8, LIST = 9, SET = 10, MAP = 11, STRUCT = 12;

type Value = boolean | number | bigint | Uint8Array | Struct | List | MapValue;
interface Field {
  id: number;
  type: number;
  value: Value;
}
type Struct = Field[];
interface List {
  element: number;
  items: Value[];
}
interface MapValue {
  key: number;
  value: number;
  entries: [Value, Value][];
}

class Reader {
  position = 0;
  constructor(readonly bytes: Uint8Array) {}

  byte(): number {
    if (this.position >= this.bytes.length) {
      throw new RangeError("Parquet footer ends early");
    }
    return this.bytes[this.position++];
  }

  varint(): bigint {
    let result = 0n, shift = 0n, byte: number;
    do {
      byte = this.byte();
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
    } while (byte & 0x80);
    return result;
  }

  zigzag(): bigint {
    const n = this.varint();
    return (n >> 1n) ^ -(n & 1n);
  }

  value(type: number): Value {
    switch (type) {
      case TRUE:
        return true;
      case FALSE:
        return false;
      case BYTE:
        return this.byte();
      case I16:
      case I32:
        return Number(this.zigzag());
      case I64:
        return this.zigzag();
      case DOUBLE: {
        const bytes = this.bytes.slice(this.position, this.position + 8);
        this.position += 8;
        return bytes;
      }
      case BINARY: {
        const length = Number(this.varint());
        const bytes = this.bytes.slice(this.position, this.position + length);
        this.position += length;
        return bytes;
      }
      case LIST:
      case SET: {
        const header = this.byte();
        const size = header >> 4 === 15 ? Number(this.varint()) : header >> 4;
        const element = header & 0x0f;
        const items: Value[] = [];
        for (let i = 0; i < size; i++) {
          // Booleans in a list are a byte each: 1 is true.
          items.push(
            element === TRUE || element === FALSE
              ? this.byte() === TRUE
              : this.value(element),
          );
        }
        return { element, items };
      }
      case MAP: {
        const size = Number(this.varint());
        if (size === 0) return { key: 0, value: 0, entries: [] };
        const types = this.byte();
        const map: MapValue = {
          key: types >> 4,
          value: types & 0x0f,
          entries: [],
        };
        for (let i = 0; i < size; i++) {
          map.entries.push([this.value(map.key), this.value(map.value)]);
        }
        return map;
      }
      case STRUCT:
        return this.struct();
    }
    throw new RangeError(`unknown Thrift compact type ${type}`);
  }

  struct(): Struct {
    const fields: Struct = [];
    let id = 0;
    for (;;) {
      const header = this.byte();
      const type = header & 0x0f;
      if (type === STOP) return fields;
      const delta = header >> 4;
      id = delta === 0 ? Number(this.zigzag()) : id + delta;
      fields.push({ id, type, value: this.value(type) });
    }
  }
}

class Writer {
  #bytes = new Uint8Array(1024);
  #length = 0;

  get bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  byte(value: number): void {
    if (this.#length === this.#bytes.length) {
      const grown = new Uint8Array(this.#bytes.length * 2);
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    this.#bytes[this.#length++] = value;
  }

  raw(bytes: Uint8Array): void {
    for (const b of bytes) this.byte(b);
  }

  varint(value: bigint): void {
    while (value >= 0x80n) {
      this.byte(Number(value & 0x7fn) | 0x80);
      value >>= 7n;
    }
    this.byte(Number(value));
  }

  zigzag(value: bigint): void {
    this.varint(value >= 0n ? value << 1n : ((-value) << 1n) - 1n);
  }

  value(type: number, value: Value): void {
    switch (type) {
      case TRUE:
      case FALSE:
        return;
      case BYTE:
        return this.byte(value as number);
      case I16:
      case I32:
        return this.zigzag(BigInt(value as number));
      case I64:
        return this.zigzag(value as bigint);
      case DOUBLE:
        return this.raw(value as Uint8Array);
      case BINARY:
        this.varint(BigInt((value as Uint8Array).length));
        return this.raw(value as Uint8Array);
      case LIST:
      case SET: {
        const { element, items } = value as List;
        if (items.length < 15) this.byte((items.length << 4) | element);
        else {
          this.byte(0xf0 | element);
          this.varint(BigInt(items.length));
        }
        for (const item of items) {
          if (element === TRUE || element === FALSE) {
            this.byte(item ? TRUE : FALSE);
          } else this.value(element, item);
        }
        return;
      }
      case MAP: {
        const map = value as MapValue;
        this.varint(BigInt(map.entries.length));
        if (map.entries.length === 0) return;
        this.byte((map.key << 4) | map.value);
        for (const [k, v] of map.entries) {
          this.value(map.key, k);
          this.value(map.value, v);
        }
        return;
      }
      case STRUCT:
        return this.struct(value as Struct);
    }
    throw new RangeError(`unknown Thrift compact type ${type}`);
  }

  struct(fields: Struct): void {
    let last = 0;
    for (const { id, type, value } of fields) {
      const wire = type === TRUE || type === FALSE
        ? (value ? TRUE : FALSE)
        : type;
      if (id > last && id - last <= 15) this.byte(((id - last) << 4) | wire);
      else {
        this.byte(wire);
        this.zigzag(BigInt(id));
      }
      last = id;
      this.value(type, value);
    }
    this.byte(STOP);
  }
}

function field(struct: Struct, id: number): Field | undefined {
  return struct.find((f) => f.id === id);
}

function encode(value: Struct | Value, type = STRUCT): Uint8Array {
  const writer = new Writer();
  writer.value(type, value);
  return writer.bytes;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** FileMetaData fields: schema, num_rows, row_groups, key_value_metadata. */
const SCHEMA = 2, NUM_ROWS = 3, ROW_GROUPS = 4, KEY_VALUES = 5;
/** RowGroup fields: columns, file_offset, ordinal. */
const RG_COLUMNS = 1, RG_FILE_OFFSET = 5, RG_ORDINAL = 7;
/** ColumnChunk fields: file_path, file_offset, meta_data, the page index. */
const CC_FILE_PATH = 1, CC_FILE_OFFSET = 2, CC_META = 3;
const CC_OFFSET_INDEX = 4, CC_OFFSET_INDEX_LENGTH = 5;
const CC_COLUMN_INDEX = 6, CC_COLUMN_INDEX_LENGTH = 7;
/** ColumnMetaData fields: sizes and the offsets of its pages. */
const CM_COMPRESSED = 7, CM_DATA_PAGE = 9, CM_INDEX_PAGE = 10;
const CM_DICTIONARY_PAGE = 11, CM_BLOOM_FILTER = 14;
/** OffsetIndex.page_locations, and PageLocation.offset. */
const OI_PAGES = 1, PL_OFFSET = 1;

function int(struct: Struct, id: number): number | undefined {
  const f = field(struct, id);
  return f === undefined ? undefined : Number(f.value);
}

/** Moves an i64 field by `delta` bytes (a zero deprecated offset stays 0). */
function shift(struct: Struct, id: number, delta: bigint): void {
  const f = field(struct, id);
  if (f && f.type === I64 && f.value !== 0n) {
    f.value = (f.value as bigint) + delta;
  }
}

function groupsOf(meta: Struct): Struct[] {
  return ((field(meta, ROW_GROUPS)?.value as List | undefined)?.items ??
    []) as Struct[];
}

function chunksOf(meta: Struct): Struct[] {
  return groupsOf(meta).flatMap((group) =>
    (field(group, RG_COLUMNS)!.value as List).items as Struct[]
  );
}

/**
 * Where a part's column chunks end and its page index begins, when the
 * part is laid out as writers do: every chunk in this file, the pages
 * first, then the page index (if any) up to the footer, and no bloom
 * filter; otherwise undefined (the part cannot be moved by offsets alone).
 */
function dataEnd(meta: Struct, footerStart: number): number | undefined {
  let pagesEnd = 4, indexStart = footerStart;
  for (const chunk of chunksOf(meta)) {
    const column = field(chunk, CC_META)?.value as Struct | undefined;
    if (
      field(chunk, CC_FILE_PATH) || column === undefined ||
      field(column, CM_BLOOM_FILTER) || field(column, CM_INDEX_PAGE)
    ) {
      return undefined;
    }
    const first = Math.min(
      int(column, CM_DATA_PAGE)!,
      int(column, CM_DICTIONARY_PAGE) ?? Infinity,
    );
    pagesEnd = Math.max(pagesEnd, first + int(column, CM_COMPRESSED)!);
    for (const id of [CC_OFFSET_INDEX, CC_COLUMN_INDEX]) {
      indexStart = Math.min(indexStart, int(chunk, id) ?? Infinity);
    }
  }
  return pagesEnd <= indexStart ? indexStart : undefined;
}

interface Footer {
  meta: Struct;
  /** Where the footer starts (the data before it is copied). */
  start: number;
}

/** The footer of `file`, decoded; null when it is not Parquet. */
function readFooter(file: Deno.FsFile): Footer | null {
  const size = file.statSync().size;
  const bytes = parquetFooter(file, size);
  return bytes &&
    { meta: new Reader(bytes).struct(), start: size - 8 - bytes.length };
}

function readFully(file: Deno.FsFile, into: Uint8Array): void {
  for (let at = 0; at < into.length;) {
    const n = file.readSync(into.subarray(at));
    if (n === null) throw new RangeError("a Parquet file ends early");
    at += n;
  }
}

/**
 * Writes the row groups of `parts` (in order) as the one Parquet file
 * `target`: column chunks are copied byte for byte, page indexes moved
 * (their page offsets shifted) and one footer written. Returns false,
 * having written nothing, when the parts cannot be joined that way (their
 * schemas or key-value metadata differ, a part's footer cannot be read
 * here (not Parquet, or over 16 MiB), or a part's layout is not the usual
 * pages-then-index), so the caller can decode and re-encode instead.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { concatParquet } from "./parquet_concat.ts";
 * const dir = await Deno.makeTempDir();
 * pl.DataFrame({ x: [1, 2] }).writeParquet(`${dir}/a.parquet`);
 * pl.DataFrame({ x: [3] }).writeParquet(`${dir}/b.parquet`);
 * concatParquet([`${dir}/a.parquet`, `${dir}/b.parquet`], `${dir}/ab.parquet`);
 * console.log(pl.readParquet(`${dir}/ab.parquet`).getColumn("x").toArray()); // [1, 2, 3]
 * ```
 */
export function concatParquet(
  parts: readonly string[],
  target: string,
): boolean {
  if (parts.length === 0) throw new RangeError("no Parquet parts to join");
  // The footers first (a few KiB each): nothing is written unless all join.
  const footers: (Footer & { dataEnd: number })[] = [];
  for (const path of parts) {
    using file = Deno.openSync(path);
    const footer = readFooter(file);
    if (footer === null) return false;
    const end = dataEnd(footer.meta, footer.start);
    if (end === undefined) return false;
    footers.push({ ...footer, dataEnd: end });
  }
  const first = footers[0].meta;
  const listBytes = (meta: Struct, id: number) => {
    const f = field(meta, id);
    return f === undefined ? new Uint8Array() : encode(f.value, LIST);
  };
  const schema = listBytes(first, SCHEMA);
  const keyValues = listBytes(first, KEY_VALUES);
  if (
    !footers.every(({ meta }) =>
      sameBytes(listBytes(meta, SCHEMA), schema) &&
      sameBytes(listBytes(meta, KEY_VALUES), keyValues)
    )
  ) {
    return false;
  }

  using out = Deno.openSync(target, {
    write: true,
    create: true,
    truncate: true,
  });
  let position = 0;
  const write = (bytes: Uint8Array) => {
    writeAllSync(out, bytes);
    position += bytes.length;
  };
  const magic = new TextEncoder().encode("PAR1");
  write(magic);
  const buffer = new Uint8Array(1 << 22);
  const rowGroups: Struct[] = [];
  let rows = 0n;
  for (let p = 0; p < parts.length; p++) {
    const { meta, start, dataEnd } = footers[p];
    using file = Deno.openSync(parts[p]);
    file.seekSync(4, Deno.SeekMode.Start);
    const delta = BigInt(position - 4);
    for (let left = dataEnd - 4; left > 0;) {
      const n = file.readSync(
        buffer.subarray(0, Math.min(left, buffer.length)),
      );
      if (n === null) throw new RangeError(`${parts[p]} ends early`);
      write(buffer.subarray(0, n));
      left -= n;
    }
    // The page index (small) follows its pages; offsets in it move too.
    const index = new Uint8Array(start - dataEnd);
    readFully(file, index);
    for (const group of groupsOf(meta)) {
      shift(group, RG_FILE_OFFSET, delta);
      const ordinal = field(group, RG_ORDINAL);
      if (ordinal && rowGroups.length < 32_768) {
        ordinal.value = rowGroups.length;
      } else if (ordinal) group.splice(group.indexOf(ordinal), 1);
      rowGroups.push(group);
    }
    for (const chunk of chunksOf(meta)) {
      shift(chunk, CC_FILE_OFFSET, delta);
      const column = field(chunk, CC_META)!.value as Struct;
      for (const id of [CM_DATA_PAGE, CM_DICTIONARY_PAGE]) {
        shift(column, id, delta);
      }
      const at = (id: number) => int(chunk, id)! - dataEnd;
      if (field(chunk, CC_COLUMN_INDEX)) {
        const bytes = index.subarray(
          at(CC_COLUMN_INDEX),
          at(CC_COLUMN_INDEX) + int(chunk, CC_COLUMN_INDEX_LENGTH)!,
        );
        field(chunk, CC_COLUMN_INDEX)!.value = BigInt(position);
        write(bytes);
      }
      if (field(chunk, CC_OFFSET_INDEX)) {
        const offsets = new Reader(index.subarray(at(CC_OFFSET_INDEX)))
          .struct();
        for (const page of (field(offsets, OI_PAGES)!.value as List).items) {
          shift(page as Struct, PL_OFFSET, delta);
        }
        const bytes = encode(offsets);
        field(chunk, CC_OFFSET_INDEX)!.value = BigInt(position);
        field(chunk, CC_OFFSET_INDEX_LENGTH)!.value = bytes.length;
        write(bytes);
      }
    }
    rows += field(meta, NUM_ROWS)!.value as bigint;
  }
  field(first, NUM_ROWS)!.value = rows;
  field(first, ROW_GROUPS)!.value = { element: STRUCT, items: rowGroups };
  const footer = encode(first);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, footer.length, true);
  write(footer);
  write(length);
  write(magic);
  return true;
}

/**
 * The page offsets each column chunk's offset index lists (row group by
 * row group, column by column; empty for a chunk without one): what a
 * reader that skips pages seeks to.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { pageOffsets } from "./parquet_concat.ts";
 * const path = await Deno.makeTempFile({ suffix: ".parquet" });
 * pl.DataFrame({ x: [1, 2] }).writeParquet(path);
 * console.log(pageOffsets(path).length); // 1 (one row group × one column)
 * ```
 */
export function pageOffsets(path: string): number[][] {
  using file = Deno.openSync(path);
  const footer = readFooter(file);
  if (footer === null) throw new RangeError(`${path} is not a Parquet file`);
  const { meta } = footer;
  return chunksOf(meta).map((chunk) => {
    const offset = int(chunk, CC_OFFSET_INDEX);
    if (offset === undefined) return [];
    const bytes = new Uint8Array(int(chunk, CC_OFFSET_INDEX_LENGTH)!);
    file.seekSync(offset, Deno.SeekMode.Start);
    readFully(file, bytes);
    const pages = field(new Reader(bytes).struct(), OI_PAGES)!.value as List;
    return pages.items.map((page) => int(page as Struct, PL_OFFSET)!);
  });
}
