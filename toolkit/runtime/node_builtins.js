/*
 * node_builtins.js - pure-JavaScript stand-ins for the parts of Node.js core
 * modules (buffer, crypto, url, querystring, util) plus atob/btoa that Auth0
 * rules commonly use.
 *
 * The embedded V8 context (mini-racer) is bare: no TextEncoder, Buffer, crypto,
 * atob/btoa or require.  Everything here is written from the relevant
 * specifications (FIPS 180-4, RFC 1321, RFC 2104, RFC 3492, RFC 4648, the WHATWG
 * URL and Encoding standards) and from observed Node.js 20 behaviour.
 *
 * Evaluating this script defines exactly one global, `__rulekitNodeBuiltins`,
 * a factory `(options) => ({ crypto, url, querystring, util, buffer, Buffer,
 * atob, btoa })`.  Tables are built once at load; only `crypto` is created per
 * call because it closes over `options.randomBytes`.
 */
(function () {
  'use strict';

  // ---------------------------------------------------------------------------
  // Small shared helpers
  // ---------------------------------------------------------------------------

  const hasOwn = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);

  // Node attaches a machine-readable `code` to its errors (e.g. ERR_INVALID_URL);
  // rules sometimes branch on it, so we do the same.
  function nodeError(Ctor, code, message, extra) {
    const err = new Ctor(message);
    err.code = code;
    if (extra) Object.assign(err, extra);
    return err;
  }

  // Mimics the " Received ..." suffix of Node's ERR_INVALID_ARG_TYPE messages.
  function describeReceived(value) {
    if (value === null) return ' Received null';
    if (value === undefined) return ' Received undefined';
    if (typeof value === 'function') {
      return ` Received function ${value.name || '(anonymous)'}`;
    }
    if (typeof value === 'object') {
      const name = getConstructorName(value);
      if (name) return ` Received an instance of ${name}`;
      return ` Received ${inspect(value, { depth: -1 })}`;
    }
    let shown = inspect(value);
    if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
    return ` Received type ${typeof value} (${shown})`;
  }

  function invalidArgType(name, expected, value) {
    return nodeError(
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      `The "${name}" argument must be ${expected}.${describeReceived(value)}`,
    );
  }

  const HEX_LOWER = [];
  const HEX_UPPER = [];
  for (let i = 0; i < 256; i++) {
    HEX_LOWER.push(i.toString(16).padStart(2, '0'));
    HEX_UPPER.push(HEX_LOWER[i].toUpperCase());
  }

  function hexValue(code) {
    if (code >= 48 && code <= 57) return code - 48; // 0-9
    if (code >= 97 && code <= 102) return code - 87; // a-f
    if (code >= 65 && code <= 70) return code - 55; // A-F
    return -1;
  }

  // String.fromCharCode.apply has an argument-count limit, so decode in chunks.
  const CHUNK = 8192;
  function codesToString(codes) {
    if (codes.length <= CHUNK) return String.fromCharCode.apply(null, codes);
    let out = '';
    for (let i = 0; i < codes.length; i += CHUNK) {
      out += String.fromCharCode.apply(null, codes.slice(i, i + CHUNK));
    }
    return out;
  }

  // ---------------------------------------------------------------------------
  // Byte <-> string encodings (shared by Buffer, crypto, url and atob/btoa)
  // ---------------------------------------------------------------------------

  function normalizeEncoding(enc) {
    if (enc === undefined || enc === null) return 'utf8';
    switch (String(enc).toLowerCase()) {
      case '': // Node treats an empty encoding name as the default
      case 'utf8':
      case 'utf-8':
        return 'utf8';
      case 'hex':
        return 'hex';
      case 'base64':
        return 'base64';
      case 'base64url':
        return 'base64url';
      case 'latin1':
      case 'binary':
        return 'latin1';
      case 'ascii':
        return 'ascii';
      case 'ucs2':
      case 'ucs-2':
      case 'utf16le':
      case 'utf-16le':
        return 'utf16le';
      default:
        return undefined;
    }
  }

  function requireEncoding(enc) {
    const normalized = normalizeEncoding(enc);
    if (normalized === undefined) {
      throw nodeError(TypeError, 'ERR_UNKNOWN_ENCODING', `Unknown encoding: ${enc}`);
    }
    return normalized;
  }

  // UTF-8 length of a JS string; lone surrogates count as U+FFFD (3 bytes),
  // which is what Node writes for them.
  function utf8Length(str) {
    let n = 0;
    for (let i = 0; i < str.length; i++) {
      const c = str.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length) {
        const next = str.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          n += 4;
          i++;
        } else {
          n += 3;
        }
      } else n += 3;
    }
    return n;
  }

  // Writes UTF-8 into out[pos, end); never writes a partial character (like
  // Node's buf.write). Returns the number of bytes written.
  function utf8Write(str, out, pos, end) {
    const start = pos;
    for (let i = 0; i < str.length; i++) {
      let c = str.charCodeAt(i);
      if (c < 0x80) {
        if (pos + 1 > end) break;
        out[pos++] = c;
        continue;
      }
      if (c < 0x800) {
        if (pos + 2 > end) break;
        out[pos++] = 0xc0 | (c >> 6);
        out[pos++] = 0x80 | (c & 0x3f);
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < str.length ? str.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          if (pos + 4 > end) break;
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          out[pos++] = 0xf0 | (c >> 18);
          out[pos++] = 0x80 | ((c >> 12) & 0x3f);
          out[pos++] = 0x80 | ((c >> 6) & 0x3f);
          out[pos++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd; // unpaired surrogate
      }
      if (pos + 3 > end) break;
      out[pos++] = 0xe0 | (c >> 12);
      out[pos++] = 0x80 | ((c >> 6) & 0x3f);
      out[pos++] = 0x80 | (c & 0x3f);
    }
    return pos - start;
  }

  function utf8Encode(str) {
    const out = new Uint8Array(utf8Length(str));
    utf8Write(str, out, 0, out.length);
    return out;
  }

  // WHATWG UTF-8 decode: each maximal invalid subsequence becomes one U+FFFD,
  // which is what Node's buf.toString('utf8') produces.
  function utf8Decode(bytes, start, end) {
    const units = [];
    let out = '';
    let needed = 0;
    let cp = 0;
    let lower = 0x80;
    let upper = 0xbf;
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      if (needed === 0) {
        if (b < 0x80) units.push(b);
        else if (b >= 0xc2 && b <= 0xdf) {
          needed = 1;
          cp = b & 0x1f;
        } else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) lower = 0xa0; // reject overlong forms
          if (b === 0xed) upper = 0x9f; // reject encoded surrogates
          needed = 2;
          cp = b & 0x0f;
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) lower = 0x90;
          if (b === 0xf4) upper = 0x8f; // stay <= U+10FFFF
          needed = 3;
          cp = b & 0x07;
        } else units.push(0xfffd);
      } else if (b < lower || b > upper) {
        // Abandon the sequence and re-read this byte as a fresh lead byte.
        units.push(0xfffd);
        needed = 0;
        lower = 0x80;
        upper = 0xbf;
        i--;
      } else {
        lower = 0x80;
        upper = 0xbf;
        cp = (cp << 6) | (b & 0x3f);
        if (--needed === 0) {
          if (cp > 0xffff) {
            cp -= 0x10000;
            units.push(0xd800 | (cp >> 10), 0xdc00 | (cp & 0x3ff));
          } else units.push(cp);
        }
      }
      if (units.length >= CHUNK) {
        out += String.fromCharCode.apply(null, units);
        units.length = 0;
      }
    }
    if (needed !== 0) units.push(0xfffd); // truncated sequence at the end
    return out + String.fromCharCode.apply(null, units);
  }

  function latin1Decode(bytes, start, end, mask) {
    let out = '';
    for (let i = start; i < end; i += CHUNK) {
      const part = bytes.subarray(i, Math.min(i + CHUNK, end));
      out += String.fromCharCode.apply(null, mask === 0xff ? part : part.map((b) => b & mask));
    }
    return out;
  }

  function utf16leDecode(bytes, start, end) {
    const units = [];
    for (let i = start; i + 1 < end; i += 2) units.push(bytes[i] | (bytes[i + 1] << 8));
    return codesToString(units);
  }

  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  // Node's base64 decoder accepts both alphabets at once.
  const B64_LOOKUP = new Int8Array(128).fill(-1);
  for (let i = 0; i < 64; i++) {
    B64_LOOKUP[B64.charCodeAt(i)] = i;
    B64_LOOKUP[B64URL.charCodeAt(i)] = i;
  }

  function base64Encode(bytes, start, end, url) {
    const table = url ? B64URL : B64;
    let out = '';
    let i = start;
    for (; i + 2 < end; i += 3) {
      const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      out += table[n >> 18] + table[(n >> 12) & 63] + table[(n >> 6) & 63] + table[n & 63];
    }
    const rest = end - i;
    if (rest === 1) {
      const n = bytes[i] << 16;
      out += table[n >> 18] + table[(n >> 12) & 63] + (url ? '' : '==');
    } else if (rest === 2) {
      const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
      out += table[n >> 18] + table[(n >> 12) & 63] + table[(n >> 6) & 63] + (url ? '' : '=');
    }
    return out;
  }

  // Lenient like Node: skips characters outside the alphabets (whitespace
  // included), stops at the first '=', and drops a dangling 6-bit group.
  // Node first narrows the string to Latin-1, so only the low byte of each
  // UTF-16 unit counts (hexDecode does the same).
  function base64Decode(str) {
    const out = new Uint8Array(((str.length * 3) >>> 2) + 3);
    let acc = 0;
    let bits = 0;
    let p = 0;
    for (let i = 0; i < str.length; i++) {
      const c = str.charCodeAt(i) & 0xff;
      if (c === 61) break; // '='
      const v = c < 128 ? B64_LOOKUP[c] : -1;
      if (v < 0) continue;
      acc = ((acc << 6) | v) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[p++] = (acc >> bits) & 0xff;
      }
    }
    return out.subarray(0, p);
  }

  // Node stops at the first pair that is not valid hex and ignores an odd
  // trailing digit.
  function hexDecode(str) {
    const n = str.length >>> 1;
    const out = new Uint8Array(n);
    let i = 0;
    for (; i < n; i++) {
      const hi = hexValue(str.charCodeAt(2 * i) & 0xff);
      const lo = hexValue(str.charCodeAt(2 * i + 1) & 0xff);
      if (hi < 0 || lo < 0) break;
      out[i] = (hi << 4) | lo;
    }
    return out.subarray(0, i);
  }

  function hexEncode(bytes, start, end) {
    let out = '';
    for (let i = start; i < end; i++) out += HEX_LOWER[bytes[i]];
    return out;
  }

  // String -> bytes for an already-normalized encoding.
  function encodeString(str, enc) {
    switch (enc) {
      case 'utf8':
        return utf8Encode(str);
      case 'hex':
        return hexDecode(str);
      case 'base64':
      case 'base64url':
        return base64Decode(str);
      case 'latin1':
      case 'ascii': {
        // Node writes 'ascii' exactly like 'latin1' (low byte of each unit).
        const out = new Uint8Array(str.length);
        for (let i = 0; i < str.length; i++) out[i] = str.charCodeAt(i);
        return out;
      }
      case 'utf16le': {
        const out = new Uint8Array(str.length * 2);
        for (let i = 0; i < str.length; i++) {
          const c = str.charCodeAt(i);
          out[2 * i] = c & 0xff;
          out[2 * i + 1] = c >> 8;
        }
        return out;
      }
      default:
        throw new Error(`unreachable encoding ${enc}`);
    }
  }

  // Bytes -> string for an already-normalized encoding.
  function decodeBytes(bytes, enc, start, end) {
    switch (enc) {
      case 'utf8':
        return utf8Decode(bytes, start, end);
      case 'hex':
        return hexEncode(bytes, start, end);
      case 'base64':
        return base64Encode(bytes, start, end, false);
      case 'base64url':
        return base64Encode(bytes, start, end, true);
      case 'latin1':
        return latin1Decode(bytes, start, end, 0xff);
      case 'ascii':
        return latin1Decode(bytes, start, end, 0x7f); // Node masks off the top bit
      case 'utf16le':
        return utf16leDecode(bytes, start, end);
      default:
        throw new Error(`unreachable encoding ${enc}`);
    }
  }

  function byteLengthOf(str, enc) {
    switch (enc) {
      case 'utf8':
        return utf8Length(str);
      case 'hex':
        return str.length >>> 1;
      case 'base64':
      case 'base64url': {
        // Node estimates from the length, discounting up to two '=' of padding.
        let n = str.length;
        if (n > 0 && str.charCodeAt(n - 1) === 61) n--;
        if (n > 1 && str.charCodeAt(n - 1) === 61) n--;
        return (n * 3) >>> 2;
      }
      case 'utf16le':
        return str.length * 2;
      default:
        return str.length;
    }
  }

  // View any ArrayBufferView as raw bytes without copying.
  function bytesOf(view) {
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  }

  // ---------------------------------------------------------------------------
  // Buffer
  // ---------------------------------------------------------------------------

  const INSPECT_MAX_BYTES = 50;
  const kMaxLength = 2 ** 32;
  const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

  function checkSize(size) {
    if (typeof size !== 'number') throw invalidArgType('size', 'of type number', size);
    if (!(size >= 0 && size <= kMaxLength)) {
      throw nodeError(
        RangeError,
        'ERR_OUT_OF_RANGE',
        `The value of "size" is out of range. It must be >= 0 && <= ${kMaxLength}. Received ${size}`,
      );
    }
    return Math.floor(size);
  }

  function checkOffset(buf, offset, size) {
    if (offset === undefined) offset = 0;
    if (typeof offset !== 'number') throw invalidArgType('offset', 'of type number', offset);
    const max = buf.length - size;
    if (!Number.isInteger(offset) || offset < 0 || offset > max) {
      if (max < 0) {
        throw nodeError(
          RangeError,
          'ERR_BUFFER_OUT_OF_BOUNDS',
          'Attempt to access memory outside buffer bounds',
        );
      }
      throw nodeError(
        RangeError,
        'ERR_OUT_OF_RANGE',
        `The value of "offset" is out of range. It must be >= 0 and <= ${max}. Received ${offset}`,
      );
    }
    return offset;
  }

  class Buffer extends Uint8Array {
    // `new Buffer(string, encoding)` is deprecated in Node but still common in
    // older rules, so it is accepted.  Every other argument shape goes straight
    // to Uint8Array, which is also what TypedArray methods (subarray, map, ...)
    // rely on when they construct a Buffer through Symbol.species.
    constructor(arg, encodingOrOffset, length) {
      if (typeof arg === 'string') super(encodeString(arg, requireEncoding(encodingOrOffset)));
      else super(arg, encodingOrOffset, length);
    }

    static from(value, encodingOrOffset, length) {
      if (typeof value === 'string') {
        return new Buffer(encodeString(value, requireEncoding(encodingOrOffset)));
      }
      if (value instanceof ArrayBuffer ||
          (typeof SharedArrayBuffer === 'function' && value instanceof SharedArrayBuffer)) {
        return new Buffer(value, encodingOrOffset, length); // shares memory, like Node
      }
      if (ArrayBuffer.isView(value)) {
        // A copy; non-byte typed arrays are converted element-wise (mod 256).
        return new Buffer(value instanceof DataView ? bytesOf(value) : value);
      }
      if (value !== null && typeof value === 'object') {
        // Same order as Node: valueOf() (boxed strings), array-likes, the
        // toJSON() shape, then Symbol.toPrimitive.
        const valueOf = typeof value.valueOf === 'function' ? value.valueOf() : undefined;
        if (valueOf != null && valueOf !== value && (typeof valueOf === 'string' || typeof valueOf === 'object')) {
          return Buffer.from(valueOf, encodingOrOffset, length);
        }
        if (value.length !== undefined) {
          return new Buffer(typeof value.length === 'number' ? value : 0);
        }
        if (value.type === 'Buffer' && Array.isArray(value.data)) {
          return new Buffer(value.data);
        }
        if (typeof value[Symbol.toPrimitive] === 'function') {
          const primitive = value[Symbol.toPrimitive]('string');
          if (typeof primitive === 'string') return Buffer.from(primitive, encodingOrOffset);
        }
      }
      throw nodeError(
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        'The first argument must be of type string or an instance of Buffer, ArrayBuffer, or ' +
          `Array or an Array-like Object.${describeReceived(value)}`,
      );
    }

    static alloc(size, fill, encoding) {
      const buf = new Buffer(checkSize(size));
      if (fill !== undefined && fill !== 0 && buf.length > 0) buf.fill(fill, encoding);
      return buf;
    }

    // Node's unsafe variants may return stale memory; zeroed memory is a safe
    // stand-in with the same observable contract.
    static allocUnsafe(size) {
      return new Buffer(checkSize(size));
    }

    static allocUnsafeSlow(size) {
      return new Buffer(checkSize(size));
    }

    static isBuffer(value) {
      return value instanceof Buffer;
    }

    static isEncoding(enc) {
      return typeof enc === 'string' && enc.length !== 0 && normalizeEncoding(enc) !== undefined;
    }

    static byteLength(value, encoding) {
      if (typeof value !== 'string') {
        if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value.byteLength;
        throw invalidArgType(
          'string',
          'of type string or an instance of Buffer or ArrayBuffer',
          value,
        );
      }
      return byteLengthOf(value, normalizeEncoding(encoding) || 'utf8');
    }

    static concat(list, totalLength) {
      if (!Array.isArray(list)) throw invalidArgType('list', 'an instance of Array', list);
      list.forEach((item, i) => {
        if (!(item instanceof Uint8Array)) {
          throw invalidArgType(`list[${i}]`, 'an instance of Buffer or Uint8Array', item);
        }
      });
      if (totalLength === undefined) totalLength = list.reduce((n, item) => n + item.length, 0);
      const out = new Buffer(checkSize(totalLength));
      let pos = 0;
      for (const item of list) {
        if (pos >= out.length) break;
        const take = Math.min(item.length, out.length - pos);
        out.set(take === item.length ? item : item.subarray(0, take), pos);
        pos += take;
      }
      return out;
    }

    static compare(a, b) {
      if (!(a instanceof Uint8Array)) throw invalidArgType('buf1', 'an instance of Buffer or Uint8Array', a);
      if (!(b instanceof Uint8Array)) throw invalidArgType('buf2', 'an instance of Buffer or Uint8Array', b);
      const n = Math.min(a.length, b.length);
      for (let i = 0; i < n; i++) {
        if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
      }
      return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
    }

    toString(encoding, start, end) {
      const enc = requireEncoding(encoding);
      start = start === undefined || start < 0 ? 0 : Math.floor(start) || 0;
      end = end === undefined || end > this.length ? this.length : Math.floor(end) || 0;
      if (end <= start) return '';
      return decodeBytes(this, enc, start, end);
    }

    toLocaleString(encoding, start, end) {
      return this.toString(encoding, start, end);
    }

    toJSON() {
      return { type: 'Buffer', data: Array.from(this) };
    }

    equals(other) {
      if (!(other instanceof Uint8Array)) {
        throw invalidArgType('otherBuffer', 'an instance of Buffer or Uint8Array', other);
      }
      return Buffer.compare(this, other) === 0;
    }

    compare(target, targetStart = 0, targetEnd = target.length, sourceStart = 0,
      sourceEnd = this.length) {
      if (!(target instanceof Uint8Array)) {
        throw invalidArgType('target', 'an instance of Buffer or Uint8Array', target);
      }
      return Buffer.compare(this.subarray(sourceStart, sourceEnd),
        target.subarray(targetStart, targetEnd));
    }

    // Node's Buffer#slice shares memory (unlike Uint8Array#slice).
    slice(start, end) {
      return this.subarray(start, end);
    }

    copy(target, targetStart = 0, sourceStart = 0, sourceEnd = this.length) {
      if (!(target instanceof Uint8Array)) {
        throw invalidArgType('target', 'an instance of Buffer or Uint8Array', target);
      }
      sourceEnd = Math.min(sourceEnd, this.length);
      const count = Math.max(0, Math.min(sourceEnd - sourceStart, target.length - targetStart));
      if (count > 0) target.set(this.subarray(sourceStart, sourceStart + count), targetStart);
      return count;
    }

    // write(string[, offset[, length]][, encoding])
    write(string, offset, length, encoding) {
      if (typeof string !== 'string') throw invalidArgType('argument', 'of type string', string);
      if (typeof offset === 'string') {
        encoding = offset;
        offset = 0;
        length = this.length;
      } else if (typeof length === 'string') {
        encoding = length;
        length = undefined;
      }
      offset = offset === undefined ? 0 : offset;
      const remaining = this.length - offset;
      length = length === undefined || length > remaining ? remaining : length;
      const enc = requireEncoding(encoding);
      if (enc === 'utf8') return utf8Write(string, this, offset, offset + length);
      const bytes = encodeString(string, enc);
      const n = Math.min(bytes.length, length);
      this.set(bytes.subarray(0, n), offset);
      return n;
    }

    // fill(value[, offset[, end]][, encoding]) - strings and buffers repeat.
    fill(value, offset, end, encoding) {
      if (typeof offset === 'string') {
        encoding = offset;
        offset = 0;
        end = this.length;
      } else if (typeof end === 'string') {
        encoding = end;
        end = this.length;
      }
      offset = offset === undefined ? 0 : offset;
      end = end === undefined ? this.length : end;
      if (typeof value === 'number' || typeof value === 'boolean') {
        return super.fill(Number(value) & 255, offset, end);
      }
      const pattern = typeof value === 'string'
        ? encodeString(value, requireEncoding(encoding))
        : ArrayBuffer.isView(value) ? bytesOf(value) : null;
      if (pattern === null) return super.fill(0, offset, end);
      if (pattern.length === 0) {
        if (typeof value === 'string' && value.length === 0) return super.fill(0, offset, end);
        throw nodeError(TypeError, 'ERR_INVALID_ARG_VALUE',
          `The argument 'value' is invalid. Received ${inspect(value)}`);
      }
      for (let i = offset, j = 0; i < end; i++, j = (j + 1) % pattern.length) this[i] = pattern[j];
      return this;
    }

    indexOf(value, byteOffset = 0, encoding = undefined) {
      if (typeof value === 'number') return super.indexOf(value & 255, byteOffset);
      if (typeof byteOffset === 'string') {
        encoding = byteOffset;
        byteOffset = 0;
      }
      const needle = typeof value === 'string'
        ? encodeString(value, requireEncoding(encoding))
        : value instanceof Uint8Array ? value : null;
      if (needle === null) {
        throw invalidArgType('value', 'one of type number or string or an instance of Buffer or Uint8Array', value);
      }
      let from = byteOffset < 0 ? Math.max(0, this.length + byteOffset) : byteOffset;
      if (needle.length === 0) return Math.min(from, this.length);
      outer: for (; from + needle.length <= this.length; from++) {
        for (let j = 0; j < needle.length; j++) {
          if (this[from + j] !== needle[j]) continue outer;
        }
        return from;
      }
      return -1;
    }

    includes(value, byteOffset, encoding) {
      return this.indexOf(value, byteOffset, encoding) !== -1;
    }

    // How Node's util.inspect shows a Buffer: `<Buffer 68 69>`.
    [inspectCustom](depth, options) {
      const shown = Math.min(INSPECT_MAX_BYTES, this.length);
      let str = '';
      for (let i = 0; i < shown; i++) str += (i ? ' ' : '') + HEX_LOWER[this[i]];
      const remaining = this.length - INSPECT_MAX_BYTES;
      if (remaining > 0) str += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
      const extras = Object.keys(this).filter((k) => !isArrayIndex(k));
      if (extras.length) {
        str += (str ? ', ' : '') +
          extras.map((k) => `${formatKey(k, true)}: ${inspect(this[k], options)}`).join(', ');
      }
      return `<${this.constructor.name} ${str}>`;
    }
  }

  // Fixed-width integer/float accessors (readUInt32BE, writeInt16LE, ...).
  // Node range-checks written values; DataView would silently wrap them.
  const NUMERIC_ACCESSORS = [
    ['UInt8', 'Uint8', 1, 0, 0xff],
    ['Int8', 'Int8', 1, -0x80, 0x7f],
    ['UInt16', 'Uint16', 2, 0, 0xffff],
    ['Int16', 'Int16', 2, -0x8000, 0x7fff],
    ['UInt32', 'Uint32', 4, 0, 0xffffffff],
    ['Int32', 'Int32', 4, -0x80000000, 0x7fffffff],
    ['Float', 'Float32', 4, null, null],
    ['Double', 'Float64', 8, null, null],
    ['BigUInt64', 'BigUint64', 8, 0n, 2n ** 64n - 1n],
    ['BigInt64', 'BigInt64', 8, -(2n ** 63n), 2n ** 63n - 1n],
  ];
  for (const [name, dvName, size, min, max] of NUMERIC_ACCESSORS) {
    const getter = DataView.prototype[`get${dvName}`];
    const setter = DataView.prototype[`set${dvName}`];
    for (const endian of size === 1 ? [''] : ['LE', 'BE']) {
      const little = endian === 'LE';
      const read = function (offset) {
        offset = checkOffset(this, offset, size);
        return getter.call(new DataView(this.buffer, this.byteOffset, this.length), offset, little);
      };
      const write = function (value, offset) {
        offset = checkOffset(this, offset, size);
        if (min !== null && (value < min || value > max)) {
          const fmt = (v) => (typeof v === 'bigint' ? `${v}n` : String(v));
          throw nodeError(
            RangeError,
            'ERR_OUT_OF_RANGE',
            `The value of "value" is out of range. It must be >= ${fmt(min)} and <= ${fmt(max)}. ` +
              `Received ${fmt(value)}`,
          );
        }
        setter.call(new DataView(this.buffer, this.byteOffset, this.length), offset, value, little);
        return offset + size;
      };
      for (const alias of name.startsWith('UInt') || name.startsWith('BigUInt')
        ? [name, name.replace('UInt', 'Uint')]
        : [name]) {
        Object.defineProperty(Buffer.prototype, `read${alias}${endian}`, {
          value: read, writable: true, configurable: true,
        });
        Object.defineProperty(Buffer.prototype, `write${alias}${endian}`, {
          value: write, writable: true, configurable: true,
        });
      }
    }
  }

  Buffer.poolSize = 8192;

  function isArrayIndex(key) {
    return typeof key === 'string' && /^(?:0|[1-9][0-9]*)$/.test(key) && Number(key) < 4294967295;
  }

  // ---------------------------------------------------------------------------
  // atob / btoa (WHATWG "forgiving base64", as Node 20 exposes globally)
  // ---------------------------------------------------------------------------

  // There is no DOMException in a bare V8 context; mimic its name and code.
  function invalidCharacterError(message = 'Invalid character') {
    const err = new Error(message);
    err.name = 'InvalidCharacterError';
    err.code = 5;
    return err;
  }

  function btoa(input) {
    if (arguments.length === 0) {
      throw nodeError(TypeError, 'ERR_MISSING_ARGS', 'The "input" argument must be specified');
    }
    const str = `${input}`;
    const bytes = new Uint8Array(str.length);
    for (let i = 0; i < str.length; i++) {
      const c = str.charCodeAt(i);
      if (c > 0xff) throw invalidCharacterError();
      bytes[i] = c;
    }
    return base64Encode(bytes, 0, bytes.length, false);
  }

  function atob(input) {
    if (arguments.length === 0) {
      throw nodeError(TypeError, 'ERR_MISSING_ARGS', 'The "input" argument must be specified');
    }
    let str = `${input}`.replace(/[\t\n\f\r ]/g, '');
    if (str.length % 4 === 0) str = str.replace(/={1,2}$/, '');
    if (/[^A-Za-z0-9+/]/.test(str)) throw invalidCharacterError();
    if (str.length % 4 === 1) {
      throw invalidCharacterError('The string to be decoded is not correctly encoded.');
    }
    const bytes = base64Decode(str);
    return latin1Decode(bytes, 0, bytes.length, 0xff);
  }

  const bufferModule = {
    Buffer,
    INSPECT_MAX_BYTES,
    kMaxLength,
    kStringMaxLength: 2 ** 29 - 24,
    constants: { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: 2 ** 29 - 24 },
    atob,
    btoa,
  };

  // ---------------------------------------------------------------------------
  // Message digests: MD5 (RFC 1321), SHA-1/224/256/384/512 (FIPS 180-4)
  // ---------------------------------------------------------------------------

  // MD5 sine table: floor(abs(sin(i + 1)) * 2^32).
  const MD5_T = new Int32Array([
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
  ]);
  const MD5_S = new Uint8Array([
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
    5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
    4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
    6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
  ]);
  // SHA-256 round constants: cube roots of the first 64 primes.
  const K256 = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  // SHA-512 round constants (cube roots of the first 80 primes), stored as
  // interleaved 32-bit [hi, lo] halves because JS has no fast 64-bit ints.
  const K512 = splitWords64([
    '428a2f98d728ae22', '7137449123ef65cd', 'b5c0fbcfec4d3b2f', 'e9b5dba58189dbbc',
    '3956c25bf348b538', '59f111f1b605d019', '923f82a4af194f9b', 'ab1c5ed5da6d8118',
    'd807aa98a3030242', '12835b0145706fbe', '243185be4ee4b28c', '550c7dc3d5ffb4e2',
    '72be5d74f27b896f', '80deb1fe3b1696b1', '9bdc06a725c71235', 'c19bf174cf692694',
    'e49b69c19ef14ad2', 'efbe4786384f25e3', '0fc19dc68b8cd5b5', '240ca1cc77ac9c65',
    '2de92c6f592b0275', '4a7484aa6ea6e483', '5cb0a9dcbd41fbd4', '76f988da831153b5',
    '983e5152ee66dfab', 'a831c66d2db43210', 'b00327c898fb213f', 'bf597fc7beef0ee4',
    'c6e00bf33da88fc2', 'd5a79147930aa725', '06ca6351e003826f', '142929670a0e6e70',
    '27b70a8546d22ffc', '2e1b21385c26c926', '4d2c6dfc5ac42aed', '53380d139d95b3df',
    '650a73548baf63de', '766a0abb3c77b2a8', '81c2c92e47edaee6', '92722c851482353b',
    'a2bfe8a14cf10364', 'a81a664bbc423001', 'c24b8b70d0f89791', 'c76c51a30654be30',
    'd192e819d6ef5218', 'd69906245565a910', 'f40e35855771202a', '106aa07032bbd1b8',
    '19a4c116b8d2d0c8', '1e376c085141ab53', '2748774cdf8eeb99', '34b0bcb5e19b48a8',
    '391c0cb3c5c95a63', '4ed8aa4ae3418acb', '5b9cca4f7763e373', '682e6ff3d6b2b8a3',
    '748f82ee5defb2fc', '78a5636f43172f60', '84c87814a1f0ab72', '8cc702081a6439ec',
    '90befffa23631e28', 'a4506cebde82bde9', 'bef9a3f7b2c67915', 'c67178f2e372532b',
    'ca273eceea26619c', 'd186b8c721c0c207', 'eada7dd6cde0eb1e', 'f57d4f7fee6ed178',
    '06f067aa72176fba', '0a637dc5a2c898a6', '113f9804bef90dae', '1b710b35131c471b',
    '28db77f523047d84', '32caab7b40c72493', '3c9ebe0a15c9bebc', '431d67c49c100d4c',
    '4cc5d4becb3e42b6', '597f299cfc657e2a', '5fcb6fab3ad6faec', '6c44198c4a475817',
  ]);

  function splitWords64(hexWords) {
    const out = new Int32Array(hexWords.length * 2);
    hexWords.forEach((hex, i) => {
      out[2 * i] = parseInt(hex.slice(0, 8), 16) | 0;
      out[2 * i + 1] = parseInt(hex.slice(8), 16) | 0;
    });
    return out;
  }

  // Scratch message schedule, shared by every hash (JS is single-threaded and
  // the block functions never re-enter).
  const W = new Int32Array(160);

  function md5Block(s, b, o) {
    for (let i = 0; i < 16; i++) {
      const j = o + 4 * i;
      W[i] = b[j] | (b[j + 1] << 8) | (b[j + 2] << 16) | (b[j + 3] << 24);
    }
    let a = s[0];
    let bb = s[1];
    let c = s[2];
    let d = s[3];
    for (let i = 0; i < 64; i++) {
      let f;
      let g;
      if (i < 16) {
        f = (bb & c) | (~bb & d);
        g = i;
      } else if (i < 32) {
        f = (d & bb) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = bb ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (bb | ~d);
        g = (7 * i) & 15;
      }
      const x = (a + f + MD5_T[i] + W[g]) | 0;
      const r = MD5_S[i];
      a = d;
      d = c;
      c = bb;
      bb = (bb + ((x << r) | (x >>> (32 - r)))) | 0;
    }
    s[0] = (s[0] + a) | 0;
    s[1] = (s[1] + bb) | 0;
    s[2] = (s[2] + c) | 0;
    s[3] = (s[3] + d) | 0;
  }

  function readBE32(b, j) {
    return (b[j] << 24) | (b[j + 1] << 16) | (b[j + 2] << 8) | b[j + 3];
  }

  function sha1Block(s, b, o) {
    for (let i = 0; i < 16; i++) W[i] = readBE32(b, o + 4 * i);
    for (let i = 16; i < 80; i++) {
      const x = W[i - 3] ^ W[i - 8] ^ W[i - 14] ^ W[i - 16];
      W[i] = (x << 1) | (x >>> 31);
    }
    let a = s[0];
    let bb = s[1];
    let c = s[2];
    let d = s[3];
    let e = s[4];
    for (let i = 0; i < 80; i++) {
      let f;
      let k;
      if (i < 20) {
        f = (bb & c) | (~bb & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = bb ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (bb & c) | (bb & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = bb ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + W[i]) | 0;
      e = d;
      d = c;
      c = (bb << 30) | (bb >>> 2);
      bb = a;
      a = t;
    }
    s[0] = (s[0] + a) | 0;
    s[1] = (s[1] + bb) | 0;
    s[2] = (s[2] + c) | 0;
    s[3] = (s[3] + d) | 0;
    s[4] = (s[4] + e) | 0;
  }

  function sha256Block(s, b, o) {
    for (let i = 0; i < 16; i++) W[i] = readBE32(b, o + 4 * i);
    for (let i = 16; i < 64; i++) {
      const x = W[i - 15];
      const y = W[i - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
    }
    let a = s[0];
    let bb = s[1];
    let c = s[2];
    let d = s[3];
    let e = s[4];
    let f = s[5];
    let g = s[6];
    let h = s[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + K256[i] + W[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & bb) ^ (a & c) ^ (bb & c);
      const t2 = (S0 + maj) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = bb;
      bb = a;
      a = (t1 + t2) | 0;
    }
    s[0] = (s[0] + a) | 0;
    s[1] = (s[1] + bb) | 0;
    s[2] = (s[2] + c) | 0;
    s[3] = (s[3] + d) | 0;
    s[4] = (s[4] + e) | 0;
    s[5] = (s[5] + f) | 0;
    s[6] = (s[6] + g) | 0;
    s[7] = (s[7] + h) | 0;
  }

  const TWO32 = 4294967296;

  // SHA-512 on interleaved [hi, lo] 32-bit halves. 64-bit additions sum the
  // unsigned low halves as doubles (exact below 2^53) and carry into the high.
  function sha512Block(s, b, o) {
    for (let i = 0; i < 32; i++) W[i] = readBE32(b, o + 4 * i);
    for (let i = 32; i < 160; i += 2) {
      // sigma0 = rotr1 ^ rotr8 ^ shr7 of W[t-15]
      let xh = W[i - 30];
      let xl = W[i - 29];
      const s0h = ((xh >>> 1) | (xl << 31)) ^ ((xh >>> 8) | (xl << 24)) ^ (xh >>> 7);
      const s0l = ((xl >>> 1) | (xh << 31)) ^ ((xl >>> 8) | (xh << 24)) ^ ((xl >>> 7) | (xh << 25));
      // sigma1 = rotr19 ^ rotr61 ^ shr6 of W[t-2]
      xh = W[i - 4];
      xl = W[i - 3];
      const s1h = ((xh >>> 19) | (xl << 13)) ^ ((xl >>> 29) | (xh << 3)) ^ (xh >>> 6);
      const s1l = ((xl >>> 19) | (xh << 13)) ^ ((xh >>> 29) | (xl << 3)) ^ ((xl >>> 6) | (xh << 26));
      const lo = (s1l >>> 0) + (W[i - 13] >>> 0) + (s0l >>> 0) + (W[i - 31] >>> 0);
      W[i] = (s1h + W[i - 14] + s0h + W[i - 32] + ((lo / TWO32) | 0)) | 0;
      W[i + 1] = lo | 0;
    }
    let ah = s[0], al = s[1], bh = s[2], bl = s[3], ch = s[4], cl = s[5], dh = s[6], dl = s[7];
    let eh = s[8], el = s[9], fh = s[10], fl = s[11], gh = s[12], gl = s[13], hh = s[14], hl = s[15];
    for (let i = 0; i < 160; i += 2) {
      // Sigma1(e) = rotr14 ^ rotr18 ^ rotr41
      const S1h = ((eh >>> 14) | (el << 18)) ^ ((eh >>> 18) | (el << 14)) ^ ((el >>> 9) | (eh << 23));
      const S1l = ((el >>> 14) | (eh << 18)) ^ ((el >>> 18) | (eh << 14)) ^ ((eh >>> 9) | (el << 23));
      const chh = (eh & fh) ^ (~eh & gh);
      const chl = (el & fl) ^ (~el & gl);
      const t1lo = (hl >>> 0) + (S1l >>> 0) + (chl >>> 0) + (K512[i + 1] >>> 0) + (W[i + 1] >>> 0);
      const t1h = (hh + S1h + chh + K512[i] + W[i] + ((t1lo / TWO32) | 0)) | 0;
      const t1l = t1lo | 0;
      // Sigma0(a) = rotr28 ^ rotr34 ^ rotr39
      const S0h = ((ah >>> 28) | (al << 4)) ^ ((al >>> 2) | (ah << 30)) ^ ((al >>> 7) | (ah << 25));
      const S0l = ((al >>> 28) | (ah << 4)) ^ ((ah >>> 2) | (al << 30)) ^ ((ah >>> 7) | (al << 25));
      const majh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
      const majl = (al & bl) ^ (al & cl) ^ (bl & cl);
      const t2lo = (S0l >>> 0) + (majl >>> 0);
      const t2h = (S0h + majh + ((t2lo / TWO32) | 0)) | 0;
      const t2l = t2lo | 0;
      hh = gh; hl = gl;
      gh = fh; gl = fl;
      fh = eh; fl = el;
      let sum = (dl >>> 0) + (t1l >>> 0);
      eh = (dh + t1h + ((sum / TWO32) | 0)) | 0;
      el = sum | 0;
      dh = ch; dl = cl;
      ch = bh; cl = bl;
      bh = ah; bl = al;
      sum = (t1l >>> 0) + (t2l >>> 0);
      ah = (t1h + t2h + ((sum / TWO32) | 0)) | 0;
      al = sum | 0;
    }
    const v = [ah, al, bh, bl, ch, cl, dh, dl, eh, el, fh, fl, gh, gl, hh, hl];
    for (let i = 0; i < 16; i += 2) {
      const lo = (s[i + 1] >>> 0) + (v[i + 1] >>> 0);
      s[i] = (s[i] + v[i] + ((lo / TWO32) | 0)) | 0;
      s[i + 1] = lo | 0;
    }
  }

  const HASHES = {
    md5: { block: md5Block, blockSize: 64, outLen: 16, littleEndian: true,
      iv: new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476]) },
    sha1: { block: sha1Block, blockSize: 64, outLen: 20,
      iv: new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0]) },
    sha224: { block: sha256Block, blockSize: 64, outLen: 28, iv: new Int32Array([
    0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4,
    ]) },
    sha256: { block: sha256Block, blockSize: 64, outLen: 32, iv: new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]) },
    sha384: { block: sha512Block, blockSize: 128, outLen: 48, iv: splitWords64([
    'cbbb9d5dc1059ed8', '629a292a367cd507', '9159015a3070dd17', '152fecd8f70e5939',
    '67332667ffc00b31', '8eb44a8768581511', 'db0c2e0d64f98fa7', '47b5481dbefa4fa4',
    ]) },
    sha512: { block: sha512Block, blockSize: 128, outLen: 64, iv: splitWords64([
    '6a09e667f3bcc908', 'bb67ae8584caa73b', '3c6ef372fe94f82b', 'a54ff53a5f1d36f1',
    '510e527fade682d1', '9b05688c2b3e6c1f', '1f83d9abfb41bd6b', '5be0cd19137e2179',
    ]) },
  };

  // Names OpenSSL (and therefore Node) accepts, compared case-insensitively.
  const HASH_ALIASES = new Map();
  for (const [canonical, names] of [
    ['md5', ['md5', 'rsa-md5', 'md5withrsaencryption', 'ssl3-md5']],
    ['sha1', ['sha1', 'sha-1', 'rsa-sha1', 'sha1withrsaencryption', 'ssl3-sha1']],
    ['sha224', ['sha224', 'sha-224', 'sha2-224', 'rsa-sha224', 'sha224withrsaencryption']],
    ['sha256', ['sha256', 'sha-256', 'sha2-256', 'rsa-sha256', 'sha256withrsaencryption']],
    ['sha384', ['sha384', 'sha-384', 'sha2-384', 'rsa-sha384', 'sha384withrsaencryption']],
    ['sha512', ['sha512', 'sha-512', 'sha2-512', 'rsa-sha512', 'sha512withrsaencryption']],
  ]) {
    for (const name of names) HASH_ALIASES.set(name, HASHES[canonical]);
  }

  function lookupHash(name) {
    return typeof name === 'string' ? HASH_ALIASES.get(name.toLowerCase()) : undefined;
  }

  // Streaming Merkle-Damgard driver shared by all the digests above.
  class DigestCore {
    constructor(algo) {
      this.algo = algo;
      this.state = algo.iv.slice();
      this.pending = new Uint8Array(algo.blockSize);
      this.pendingLen = 0;
      this.totalBytes = 0;
    }

    clone() {
      const copy = new DigestCore(this.algo);
      copy.state.set(this.state);
      copy.pending.set(this.pending);
      copy.pendingLen = this.pendingLen;
      copy.totalBytes = this.totalBytes;
      return copy;
    }

    update(bytes) {
      const { block, blockSize } = this.algo;
      const n = bytes.length;
      let i = 0;
      this.totalBytes += n;
      if (this.pendingLen > 0) {
        i = Math.min(blockSize - this.pendingLen, n);
        this.pending.set(bytes.subarray(0, i), this.pendingLen);
        this.pendingLen += i;
        if (this.pendingLen < blockSize) return;
        block(this.state, this.pending, 0);
        this.pendingLen = 0;
      }
      for (; i + blockSize <= n; i += blockSize) block(this.state, bytes, i);
      if (i < n) {
        this.pending.set(bytes.subarray(i), 0);
        this.pendingLen = n - i;
      }
    }

    // Pads with 0x80, zeros and the bit length (big-endian for SHA, little for
    // MD5; 64-bit for 64-byte blocks, 128-bit for 128-byte blocks).
    finish() {
      const { block, blockSize, outLen, littleEndian } = this.algo;
      const lenBytes = blockSize === 128 ? 16 : 8;
      const buf = this.pending;
      buf[this.pendingLen] = 0x80;
      buf.fill(0, this.pendingLen + 1);
      if (this.pendingLen + 1 > blockSize - lenBytes) {
        block(this.state, buf, 0);
        buf.fill(0);
      }
      const bitsLo = (this.totalBytes * 8) >>> 0;
      const bitsHi = Math.floor(this.totalBytes / 0x20000000) >>> 0;
      const view = new DataView(buf.buffer);
      if (littleEndian) {
        view.setUint32(blockSize - 8, bitsLo, true);
        view.setUint32(blockSize - 4, bitsHi, true);
      } else {
        view.setUint32(blockSize - 8, bitsHi, false);
        view.setUint32(blockSize - 4, bitsLo, false);
      }
      block(this.state, buf, 0);
      const out = new Buffer(outLen);
      const outView = new DataView(out.buffer);
      for (let i = 0; i < outLen; i += 4) outView.setInt32(i, this.state[i >> 2], littleEndian);
      return out;
    }
  }

  function digestOnce(algo, bytes) {
    const core = new DigestCore(algo);
    core.update(bytes);
    return core.finish();
  }

  // Input for update()/HMAC keys: strings in the given encoding (Node quietly
  // falls back to UTF-8 for unknown names here), or any ArrayBufferView.
  function dataBytes(data, encoding, argName) {
    if (typeof data === 'string') return encodeString(data, normalizeEncoding(encoding) || 'utf8');
    if (ArrayBuffer.isView(data)) return bytesOf(data);
    throw invalidArgType(argName, 'of type string or an instance of Buffer, TypedArray, or DataView', data);
  }

  // digest(enc): a known encoding yields a string, anything else a Buffer.
  function encodeDigest(buf, encoding) {
    const enc = typeof encoding === 'string' && encoding !== '' ? normalizeEncoding(encoding) : undefined;
    return enc === undefined ? buf : buf.toString(enc);
  }

  function hashFinalizedError() {
    return nodeError(Error, 'ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');
  }

  class Hash {
    #core;
    #finalized = false;

    constructor(algorithm) {
      if (typeof algorithm !== 'string') throw invalidArgType('algorithm', 'of type string', algorithm);
      const algo = lookupHash(algorithm);
      if (!algo) throw new Error('Digest method not supported'); // Node's exact message, no code
      this.#core = new DigestCore(algo);
    }

    update(data, inputEncoding) {
      if (this.#finalized) throw hashFinalizedError();
      this.#core.update(dataBytes(data, inputEncoding, 'data'));
      return this;
    }

    digest(outputEncoding) {
      if (this.#finalized) throw hashFinalizedError();
      this.#finalized = true;
      return encodeDigest(this.#core.finish(), outputEncoding);
    }

    copy() {
      if (this.#finalized) throw hashFinalizedError();
      const copy = new Hash('md5');
      copy.#core = this.#core.clone();
      return copy;
    }
  }

  // RFC 2104 HMAC.
  class Hmac {
    #algo;
    #opad;
    #inner;
    #finalized = false;

    constructor(algorithm, key) {
      if (typeof algorithm !== 'string') throw invalidArgType('hmac', 'of type string', algorithm);
      const algo = lookupHash(algorithm);
      if (!algo) throw nodeError(TypeError, 'ERR_CRYPTO_INVALID_DIGEST', `Invalid digest: ${algorithm}`);
      let keyBytes;
      if (typeof key === 'string') keyBytes = utf8Encode(key);
      else if (ArrayBuffer.isView(key)) keyBytes = bytesOf(key);
      else if (key instanceof ArrayBuffer) keyBytes = new Uint8Array(key);
      else {
        throw invalidArgType('key', 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, ' +
          'DataView, KeyObject, or CryptoKey', key);
      }
      if (keyBytes.length > algo.blockSize) keyBytes = digestOnce(algo, keyBytes);
      const ipad = new Uint8Array(algo.blockSize).fill(0x36);
      const opad = new Uint8Array(algo.blockSize).fill(0x5c);
      for (let i = 0; i < keyBytes.length; i++) {
        ipad[i] ^= keyBytes[i];
        opad[i] ^= keyBytes[i];
      }
      this.#algo = algo;
      this.#opad = opad;
      this.#inner = new DigestCore(algo);
      this.#inner.update(ipad);
    }

    update(data, inputEncoding) {
      if (this.#finalized) throw hashFinalizedError();
      this.#inner.update(dataBytes(data, inputEncoding, 'data'));
      return this;
    }

    // Unlike Hash, a second digest() on an Hmac returns an empty result in
    // Node instead of throwing.
    digest(outputEncoding) {
      if (this.#finalized) return encodeDigest(new Buffer(0), outputEncoding);
      this.#finalized = true;
      const outer = new DigestCore(this.#algo);
      outer.update(this.#opad);
      outer.update(this.#inner.finish());
      return encodeDigest(outer.finish(), outputEncoding);
    }
  }

  const HASH_NAMES = [
    'RSA-MD5', 'RSA-SHA1', 'RSA-SHA224', 'RSA-SHA256', 'RSA-SHA384', 'RSA-SHA512',
    'md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512',
  ];

  function defaultRandomBytes(n) {
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(Math.random() * 256);
    return out;
  }

  function makeCrypto(options) {
    const source = typeof options.randomBytes === 'function' ? options.randomBytes : defaultRandomBytes;

    function rawRandom(n) {
      const values = source(n);
      if (!values || values.length !== n) {
        throw new Error(`randomBytes source returned ${values && values.length} values, expected ${n}`);
      }
      const out = new Buffer(n);
      for (let i = 0; i < n; i++) out[i] = values[i] & 0xff;
      return out;
    }

    function randomBytes(size, callback) {
      if (typeof size !== 'number') throw invalidArgType('size', 'of type number', size);
      if (!(size >= 0 && size <= 2147483647)) {
        throw nodeError(
          RangeError,
          'ERR_OUT_OF_RANGE',
          `The value of "size" is out of range. It must be >= 0 && <= 2147483647. Received ${size}`,
        );
      }
      if (callback !== undefined && typeof callback !== 'function') {
        throw invalidArgType('callback', 'of type function', callback);
      }
      const buf = rawRandom(Math.floor(size));
      if (callback) {
        callback(null, buf); // synchronous, unlike Node; fine for rule code
        return undefined;
      }
      return buf;
    }

    function randomUUID() {
      const b = rawRandom(16);
      b[6] = (b[6] & 0x0f) | 0x40; // version 4
      b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
      const hex = b.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }

    // randomInt([min, ]max[, callback]) - uniform in [min, max) via rejection
    // sampling over 48 random bits.
    function randomInt(min, max, callback) {
      if (max === undefined || typeof max === 'function') {
        callback = max;
        max = min;
        min = 0;
      }
      if (!Number.isSafeInteger(min)) throw invalidArgType('min', 'a safe integer', min);
      if (!Number.isSafeInteger(max)) throw invalidArgType('max', 'a safe integer', max);
      if (max <= min) {
        throw nodeError(RangeError, 'ERR_OUT_OF_RANGE',
          `The value of "max" is out of range. It must be greater than the value of "min" (${min}). ` +
            `Received ${max}`);
      }
      const range = max - min;
      if (range > 2 ** 48 - 1) {
        throw nodeError(RangeError, 'ERR_OUT_OF_RANGE',
          `The value of "max - min" is out of range. It must be <= 281474976710655. Received ${range}`);
      }
      const limit = 2 ** 48 - (2 ** 48 % range);
      let n;
      do {
        n = rawRandom(6).reduce((acc, byte) => acc * 256 + byte, 0);
      } while (n >= limit);
      const result = min + (n % range);
      if (typeof callback === 'function') {
        callback(null, result);
        return undefined;
      }
      return result;
    }

    function getRandomValues(array) {
      if (!ArrayBuffer.isView(array) || array instanceof DataView ||
          array instanceof Float32Array || array instanceof Float64Array) {
        throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE',
          'The "typedArray" argument must be an instance of Int8Array, Int16Array, Int32Array, ' +
            'Uint8Array, Uint16Array, Uint32Array, or Uint8ClampedArray.');
      }
      bytesOf(array).set(rawRandom(array.byteLength));
      return array;
    }

    function timingSafeEqual(a, b) {
      const asBytes = (v, name) => {
        if (ArrayBuffer.isView(v)) return bytesOf(v);
        if (v instanceof ArrayBuffer) return new Uint8Array(v);
        throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE',
          `The "${name}" argument must be an instance of ArrayBuffer, Buffer, TypedArray, or DataView.`);
      };
      const x = asBytes(a, 'buf1');
      const y = asBytes(b, 'buf2');
      if (x.length !== y.length) {
        throw nodeError(RangeError, 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH',
          'Input buffers must have the same byte length');
      }
      let diff = 0;
      for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i]; // no early exit
      return diff === 0;
    }

    return {
      createHash: (algorithm) => new Hash(algorithm),
      createHmac: (algorithm, key) => new Hmac(algorithm, key),
      Hash,
      Hmac,
      getHashes: () => HASH_NAMES.slice(),
      randomBytes,
      pseudoRandomBytes: randomBytes,
      randomUUID,
      randomInt,
      getRandomValues,
      timingSafeEqual,
    };
  }

  // ---------------------------------------------------------------------------
  // querystring
  // ---------------------------------------------------------------------------

  // Characters querystring.escape leaves alone (encodeURIComponent's set).
  const QS_UNRESERVED = new Uint8Array(128);
  for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()") {
    QS_UNRESERVED[ch.charCodeAt(0)] = 1;
  }

  // Like encodeURIComponent except for surrogates: Node pairs any surrogate
  // unit with the following unit (even if that is not a valid pair) and only
  // throws when a surrogate is the last unit.
  function qsEscape(str) {
    if (typeof str !== 'string') str = typeof str === 'object' ? String(str) : `${str}`;
    let out = '';
    let last = 0;
    for (let i = 0; i < str.length; i++) {
      let c = str.charCodeAt(i);
      if (c < 0x80 && QS_UNRESERVED[c]) continue;
      out += str.slice(last, i);
      if (c < 0x80) {
        out += `%${HEX_UPPER[c]}`;
      } else if (c < 0x800) {
        out += `%${HEX_UPPER[0xc0 | (c >> 6)]}%${HEX_UPPER[0x80 | (c & 0x3f)]}`;
      } else if (c < 0xd800 || c >= 0xe000) {
        out += `%${HEX_UPPER[0xe0 | (c >> 12)]}%${HEX_UPPER[0x80 | ((c >> 6) & 0x3f)]}` +
          `%${HEX_UPPER[0x80 | (c & 0x3f)]}`;
      } else {
        if (++i >= str.length) throw nodeError(URIError, 'ERR_INVALID_URI', 'URI malformed');
        c = 0x10000 + (((c & 0x3ff) << 10) | (str.charCodeAt(i) & 0x3ff));
        out += `%${HEX_UPPER[0xf0 | (c >> 18)]}%${HEX_UPPER[0x80 | ((c >> 12) & 0x3f)]}` +
          `%${HEX_UPPER[0x80 | ((c >> 6) & 0x3f)]}%${HEX_UPPER[0x80 | (c & 0x3f)]}`;
      }
      last = i + 1;
    }
    return last === 0 ? str : out + str.slice(last);
  }

  // Fallback for malformed escapes: decode the valid %XX pairs and keep the
  // rest.  Like Node, each UTF-16 unit is truncated to one byte first, so
  // non-Latin-1 text in a malformed component comes out as U+FFFD.
  function qsUnescapeBuffer(s, decodeSpaces) {
    const out = new Buffer(s.length);
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 43 && decodeSpaces) { // '+'
        out[n++] = 32;
        continue;
      }
      if (c === 37 && i + 2 < s.length) { // '%'
        const hi = hexValue(s.charCodeAt(i + 1));
        const lo = hexValue(s.charCodeAt(i + 2));
        if (hi >= 0 && lo >= 0) {
          out[n++] = (hi << 4) | lo;
          i += 2;
          continue;
        }
      }
      out[n++] = c & 0xff;
    }
    return out.subarray(0, n);
  }

  function qsUnescape(s, decodeSpaces) {
    try {
      return decodeURIComponent(s);
    } catch {
      return qsUnescapeBuffer(s, decodeSpaces).toString();
    }
  }

  // Node only runs the default decoder on components that contain at least
  // one valid %XX escape; anything else is kept verbatim (apart from '+').
  function qsDecodeComponent(s, decode) {
    if (s.includes('+')) s = s.replace(/\+/g, ' ');
    if (decode === qsUnescape && !/%[0-9a-fA-F]{2}/.test(s)) return s;
    try {
      return decode(s);
    } catch {
      return qsUnescape(s, true);
    }
  }

  function qsParse(qs, sep, eq, options) {
    const result = Object.create(null); // Node returns null-prototype objects
    if (typeof qs !== 'string' || qs.length === 0) return result;
    sep = sep ? String(sep) : '&';
    eq = eq ? String(eq) : '=';
    let maxKeys = 1000;
    let decode = qsUnescape;
    if (options) {
      if (typeof options.maxKeys === 'number') maxKeys = options.maxKeys;
      if (typeof options.decodeURIComponent === 'function') decode = options.decodeURIComponent;
    }
    let pieces = qs.split(sep);
    if (maxKeys > 0) pieces = pieces.slice(0, maxKeys);
    for (const piece of pieces) {
      if (piece.length === 0) continue; // 'a=1&&b=2' has no empty key in Node
      const idx = piece.indexOf(eq);
      const key = qsDecodeComponent(idx === -1 ? piece : piece.slice(0, idx), decode);
      const value = idx === -1 ? '' : qsDecodeComponent(piece.slice(idx + eq.length), decode);
      const current = result[key];
      if (current === undefined) result[key] = value;
      else if (Array.isArray(current)) current.push(value);
      else result[key] = [current, value];
    }
    return result;
  }

  function qsPrimitive(v) {
    switch (typeof v) {
      case 'string':
        return v;
      case 'number':
        return Number.isFinite(v) ? `${v}` : '';
      case 'bigint':
        return `${v}`;
      case 'boolean':
        return v ? 'true' : 'false';
      default:
        return '';
    }
  }

  function qsStringify(obj, sep, eq, options) {
    sep = sep || '&';
    eq = eq || '=';
    const encode = options && typeof options.encodeURIComponent === 'function'
      ? options.encodeURIComponent
      : qsEscape;
    if (obj === null || typeof obj !== 'object') return '';
    const fields = [];
    for (const key of Object.keys(obj)) {
      const value = obj[key];
      const prefix = encode(qsPrimitive(key)) + eq;
      if (Array.isArray(value)) {
        for (const item of value) fields.push(prefix + encode(qsPrimitive(item)));
      } else {
        fields.push(prefix + encode(qsPrimitive(value)));
      }
    }
    return fields.join(sep);
  }

  const querystring = {
    parse: qsParse,
    decode: qsParse,
    stringify: qsStringify,
    encode: qsStringify,
    escape: qsEscape,
    unescape: qsUnescape,
    unescapeBuffer: qsUnescapeBuffer,
  };

  // ---------------------------------------------------------------------------
  // WHATWG URL (https://url.spec.whatwg.org/) - the basic URL parser, host
  // parser (domain/IPv4/IPv6/opaque) and serializer.  IDNA is approximated by
  // lower-casing + NFC + Punycode; full UTS #46 mapping tables are not included.
  // ---------------------------------------------------------------------------

  const SPECIAL_SCHEMES = { ftp: 21, file: null, http: 80, https: 443, ws: 80, wss: 443 };
  const isSpecialScheme = (scheme) => hasOwn(SPECIAL_SCHEMES, scheme);

  // Percent-encode sets, as predicates over a code point.
  const inC0ControlSet = (c) => c < 0x20 || c > 0x7e;
  const inFragmentSet = (c) => inC0ControlSet(c) || c === 0x20 || c === 0x22 || c === 0x3c ||
    c === 0x3e || c === 0x60;
  const inQuerySet = (c) => inC0ControlSet(c) || c === 0x20 || c === 0x22 || c === 0x23 ||
    c === 0x3c || c === 0x3e;
  const inSpecialQuerySet = (c) => inQuerySet(c) || c === 0x27;
  const inPathSet = (c) => inQuerySet(c) || c === 0x3f || c === 0x60 || c === 0x7b || c === 0x7d;
  const inUserinfoSet = (c) => inPathSet(c) || c === 0x2f || c === 0x3a || c === 0x3b ||
    c === 0x3d || c === 0x40 || (c >= 0x5b && c <= 0x5e) || c === 0x7c;

  // `cp` is one code point as a string (a lone surrogate encodes as U+FFFD).
  function percentEncodeCodePoint(cp, inSet) {
    if (!inSet(cp.codePointAt(0))) return cp;
    let out = '';
    for (const b of utf8Encode(cp)) out += `%${HEX_UPPER[b]}`;
    return out;
  }

  function percentEncodeString(str, inSet) {
    let out = '';
    for (const cp of str) out += percentEncodeCodePoint(cp, inSet);
    return out;
  }

  function percentDecodeToBytes(str) {
    const bytes = utf8Encode(str);
    const out = new Uint8Array(bytes.length);
    let n = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 37 && i + 2 < bytes.length) {
        const hi = hexValue(bytes[i + 1]);
        const lo = hexValue(bytes[i + 2]);
        if (hi >= 0 && lo >= 0) {
          out[n++] = (hi << 4) | lo;
          i += 2;
          continue;
        }
      }
      out[n++] = bytes[i];
    }
    return out.subarray(0, n);
  }

  // RFC 3492 Punycode parameters and bias adaptation.
  const PUNY_BASE = 36;
  const PUNY_T_MIN = 1;
  const PUNY_T_MAX = 26;
  function punycodeAdapt(delta, numPoints, first) {
    delta = first ? Math.floor(delta / 700) : delta >> 1;
    delta += Math.floor(delta / numPoints);
    let k = 0;
    while (delta > ((PUNY_BASE - PUNY_T_MIN) * PUNY_T_MAX) >> 1) {
      delta = Math.floor(delta / (PUNY_BASE - PUNY_T_MIN));
      k += PUNY_BASE;
    }
    return k + Math.floor(((PUNY_BASE - PUNY_T_MIN + 1) * delta) / (delta + 38));
  }

  // RFC 3492 Punycode encoder for one domain label.
  function punycodeEncode(label) {
    const BASE = PUNY_BASE;
    const T_MIN = PUNY_T_MIN;
    const T_MAX = PUNY_T_MAX;
    const codePoints = Array.from(label, (ch) => ch.codePointAt(0));
    const digit = (d) => String.fromCharCode(d < 26 ? 97 + d : 22 + d);
    const adapt = punycodeAdapt;
    let out = codePoints.filter((c) => c < 0x80).map((c) => String.fromCharCode(c)).join('');
    const basicCount = out.length;
    let handled = basicCount;
    if (basicCount > 0) out += '-';
    let n = 128;
    let delta = 0;
    let bias = 72;
    while (handled < codePoints.length) {
      let m = Infinity;
      for (const c of codePoints) if (c >= n && c < m) m = c;
      delta += (m - n) * (handled + 1);
      n = m;
      for (const c of codePoints) {
        if (c < n) delta++;
        if (c !== n) continue;
        let q = delta;
        for (let k = BASE; ; k += BASE) {
          const t = k <= bias ? T_MIN : k >= bias + T_MAX ? T_MAX : k - bias;
          if (q < t) break;
          out += digit(t + ((q - t) % (BASE - t)));
          q = Math.floor((q - t) / (BASE - t));
        }
        out += digit(q);
        bias = adapt(delta, handled + 1, handled === basicCount);
        delta = 0;
        handled++;
      }
      delta++;
      n++;
    }
    return out;
  }

  // RFC 3492 Punycode decoder; returns null for malformed input.
  function punycodeDecode(input) {
    const codePoints = [];
    const delimiter = input.lastIndexOf('-');
    for (let j = 0; j < delimiter; j++) {
      const c = input.charCodeAt(j);
      if (c >= 0x80) return null;
      codePoints.push(c);
    }
    let n = 128;
    let i = 0;
    let bias = 72;
    for (let pos = delimiter >= 0 ? delimiter + 1 : 0; pos < input.length;) {
      const oldi = i;
      let w = 1;
      for (let k = PUNY_BASE; ; k += PUNY_BASE) {
        if (pos >= input.length) return null;
        const c = input.charCodeAt(pos++);
        const digit = c >= 48 && c <= 57 ? c - 22 : c >= 97 && c <= 122 ? c - 97 : c >= 65 && c <= 90 ? c - 65 : -1;
        if (digit < 0) return null;
        i += digit * w;
        const t = k <= bias ? PUNY_T_MIN : k >= bias + PUNY_T_MAX ? PUNY_T_MAX : k - bias;
        if (digit < t) break;
        w *= PUNY_BASE - t;
        if (i > 0x7fffffff || w > 0x7fffffff) return null;
      }
      const count = codePoints.length + 1;
      bias = punycodeAdapt(i - oldi, count, oldi === 0);
      n += Math.floor(i / count);
      i %= count;
      if (n > 0x10ffff) return null;
      codePoints.splice(i, 0, n);
      i++;
    }
    return String.fromCodePoint(...codePoints);
  }

  // Code points UTS #46 maps to nothing (soft hyphen, zero-width space, ...).
  const IDNA_IGNORED = /[\u00ad\u034f\u180b-\u180d\u200b\u2060\ufe00-\ufe0f\ufeff]/g;
  const IDNA_BAD_UNICODE = /[\u0000-\u001f\u007f-\u009f\ufffd]/;
  const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

  // An approximation of UTS #46 ToASCII (non-transitional, no STD3 rules):
  // drop ignored code points, NFKC + lower-case (close to its mapping table),
  // Punycode-encode non-ASCII labels, and verify existing "xn--" labels.
  // Returns null on failure.
  function domainToASCII(domain) {
    if (LONE_SURROGATE.test(domain)) return null;
    let s = domain.replace(IDNA_IGNORED, '').replace(/[\u3002\uff0e\uff61]/g, '.');
    if (/[^\x00-\x7f]/.test(s)) s = s.normalize('NFKC').toLowerCase().normalize('NFC');
    else s = s.toLowerCase();
    const labels = [];
    for (const label of s.split('.')) {
      if (label.startsWith('xn--')) {
        const decoded = punycodeDecode(label.slice(4));
        if (decoded === null || decoded === '' || !/[^\x00-\x7f]/.test(decoded) ||
            IDNA_BAD_UNICODE.test(decoded) || `xn--${punycodeEncode(decoded)}` !== label) {
          return null;
        }
        labels.push(label);
      } else if (/^[\x00-\x7f]*$/.test(label)) {
        labels.push(label);
      } else {
        if (IDNA_BAD_UNICODE.test(label)) return null;
        labels.push(`xn--${punycodeEncode(label)}`);
      }
    }
    return labels.join('.');
  }

  function parseIPv4Number(s) {
    if (s === '') return null;
    let radix = 10;
    if (/^0[xX]/.test(s)) {
      s = s.slice(2);
      radix = 16;
    } else if (s.length > 1 && s[0] === '0') {
      s = s.slice(1);
      radix = 8;
    }
    if (s === '') return 0;
    const valid = radix === 10 ? /^[0-9]+$/ : radix === 16 ? /^[0-9a-fA-F]+$/ : /^[0-7]+$/;
    return valid.test(s) ? parseInt(s, radix) : null;
  }

  function endsInNumber(host) {
    const parts = host.split('.');
    if (parts[parts.length - 1] === '') {
      if (parts.length === 1) return false;
      parts.pop();
    }
    const last = parts[parts.length - 1];
    if (/^[0-9]+$/.test(last)) return true;
    return parseIPv4Number(last) !== null;
  }

  // Returns the address as a number, or null on failure.
  function parseIPv4(host) {
    const parts = host.split('.');
    if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop();
    if (parts.length > 4) return null;
    const nums = [];
    for (const part of parts) {
      const n = parseIPv4Number(part);
      if (n === null) return null;
      nums.push(n);
    }
    const last = nums.length - 1;
    for (let i = 0; i < last; i++) if (nums[i] > 255) return null;
    if (nums[last] >= 256 ** (4 - last)) return null;
    let address = nums[last];
    for (let i = 0; i < last; i++) address += nums[i] * 256 ** (3 - i);
    return address;
  }

  function serializeIPv4(n) {
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }

  // Returns eight 16-bit pieces, or null on failure.
  function parseIPv6(input) {
    const address = [0, 0, 0, 0, 0, 0, 0, 0];
    const isHex = (ch) => ch !== undefined && /[0-9a-fA-F]/.test(ch);
    const isDigit = (ch) => ch !== undefined && /[0-9]/.test(ch);
    let piece = 0;
    let compress = null;
    let p = 0;
    if (input[0] === ':') {
      if (input[1] !== ':') return null;
      p = 2;
      piece = 1;
      compress = 1;
    }
    while (p < input.length) {
      if (piece === 8) return null;
      if (input[p] === ':') {
        if (compress !== null) return null;
        p++;
        piece++;
        compress = piece;
        continue;
      }
      let value = 0;
      let length = 0;
      while (length < 4 && isHex(input[p])) {
        value = value * 16 + parseInt(input[p], 16);
        p++;
        length++;
      }
      if (input[p] === '.') {
        // Embedded IPv4 in the last 32 bits.
        if (length === 0) return null;
        p -= length;
        if (piece > 6) return null;
        let numbersSeen = 0;
        while (p < input.length) {
          let v4 = null;
          if (numbersSeen > 0) {
            if (input[p] === '.' && numbersSeen < 4) p++;
            else return null;
          }
          if (!isDigit(input[p])) return null;
          while (isDigit(input[p])) {
            const n = Number(input[p]);
            if (v4 === null) v4 = n;
            else if (v4 === 0) return null;
            else v4 = v4 * 10 + n;
            if (v4 > 255) return null;
            p++;
          }
          address[piece] = address[piece] * 0x100 + v4;
          numbersSeen++;
          if (numbersSeen === 2 || numbersSeen === 4) piece++;
        }
        if (numbersSeen !== 4) return null;
        break;
      } else if (input[p] === ':') {
        p++;
        if (p >= input.length) return null;
      } else if (p < input.length) {
        return null;
      }
      address[piece] = value;
      piece++;
    }
    if (compress !== null) {
      let swaps = piece - compress;
      piece = 7;
      while (piece !== 0 && swaps > 0) {
        const other = compress + swaps - 1;
        [address[piece], address[other]] = [address[other], address[piece]];
        piece--;
        swaps--;
      }
    } else if (piece !== 8) {
      return null;
    }
    return address;
  }

  function serializeIPv6(address) {
    // Compress the first longest run (length >= 2) of zero pieces.
    let bestStart = -1;
    let bestLen = 1;
    for (let i = 0; i < 8;) {
      if (address[i] !== 0) {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && address[j] === 0) j++;
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    let out = '';
    for (let i = 0; i < 8; i++) {
      if (i === bestStart) {
        out += i === 0 ? '::' : ':';
        i += bestLen - 1;
        continue;
      }
      out += address[i].toString(16) + (i < 7 ? ':' : '');
    }
    return out;
  }

  const FORBIDDEN_HOST = /[\u0000\t\n\r #/:<>?@[\\\]^|]/;
  const FORBIDDEN_DOMAIN = /[\u0000-\u001f #%/:<>?@[\\\]^|\u007f]/;

  // Returns the serialized host, or null on failure.
  function parseHost(input, isOpaque) {
    if (input[0] === '[') {
      if (input[input.length - 1] !== ']') return null;
      const address = parseIPv6(input.slice(1, -1));
      return address === null ? null : `[${serializeIPv6(address)}]`;
    }
    if (isOpaque) {
      if (FORBIDDEN_HOST.test(input)) return null;
      return percentEncodeString(input, inC0ControlSet);
    }
    const decoded = percentDecodeToBytes(input);
    const domain = utf8Decode(decoded, 0, decoded.length);
    const ascii = domainToASCII(domain);
    if (!ascii || FORBIDDEN_DOMAIN.test(ascii)) return null;
    if (endsInNumber(ascii)) {
      const v4 = parseIPv4(ascii);
      return v4 === null ? null : serializeIPv4(v4);
    }
    return ascii;
  }

  const isAsciiAlpha = (ch) => ch !== undefined && /^[A-Za-z]$/.test(ch);
  const isWindowsDriveLetter = (s) => s.length === 2 && isAsciiAlpha(s[0]) && (s[1] === ':' || s[1] === '|');
  const isNormalizedDriveLetter = (s) => typeof s === 'string' && s.length === 2 && isAsciiAlpha(s[0]) &&
    s[1] === ':';
  const isSingleDot = (s) => s === '.' || s.toLowerCase() === '%2e';
  const isDoubleDot = (s) => ['..', '.%2e', '%2e.', '%2e%2e'].includes(s.toLowerCase());

  function startsWithDriveLetter(cps, p) {
    return cps.length - p >= 2 && isAsciiAlpha(cps[p]) && (cps[p + 1] === ':' || cps[p + 1] === '|') &&
      (cps.length - p === 2 || '/\\?#'.includes(cps[p + 2]));
  }

  function shortenPath(url) {
    if (url.scheme === 'file' && url.path.length === 1 && isNormalizedDriveLetter(url.path[0])) return;
    url.path.pop();
  }

  function newURLRecord() {
    // `path` is an array of segments, or a string for opaque paths (mailto:...).
    return { scheme: '', username: '', password: '', host: null, port: null, path: [], query: null,
      fragment: null };
  }

  // The WHATWG basic URL parser (without state override).  `base` is a parsed
  // record or null.  Returns a record, or null on failure.
  // Setters reuse the parser on a synthetic URL and pass trim = false, since
  // only whole-URL parsing strips leading/trailing C0 controls and spaces.
  function basicURLParse(rawInput, base, trim = true) {
    const trimmed = trim ? rawInput.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '') : rawInput;
    const input = trimmed.replace(/[\t\n\r]/g, '');
    const cps = Array.from(input);
    const url = newURLRecord();
    let state = 'schemeStart';
    let buffer = '';
    let atSignSeen = false;
    let insideBrackets = false;
    let passwordTokenSeen = false;
    const special = () => isSpecialScheme(url.scheme);
    const copyAuthority = (from) => {
      url.username = from.username;
      url.password = from.password;
      url.host = from.host;
      url.port = from.port;
    };

    for (let p = 0; ; p++) {
      const c = cps[p]; // undefined at end of input
      switch (state) {
        case 'schemeStart':
          if (isAsciiAlpha(c)) {
            buffer += c.toLowerCase();
            state = 'scheme';
          } else {
            state = 'noScheme';
            p--;
          }
          break;

        case 'scheme':
          if (c !== undefined && /^[A-Za-z0-9+\-.]$/.test(c)) {
            buffer += c.toLowerCase();
          } else if (c === ':') {
            url.scheme = buffer;
            buffer = '';
            if (url.scheme === 'file') state = 'file';
            else if (special() && base && base.scheme === url.scheme) state = 'specialRelativeOrAuthority';
            else if (special()) state = 'specialAuthoritySlashes';
            else if (cps[p + 1] === '/') {
              state = 'pathOrAuthority';
              p++;
            } else {
              url.path = '';
              state = 'opaquePath';
            }
          } else {
            buffer = '';
            state = 'noScheme';
            p = -1; // start over from the first code point
          }
          break;

        case 'noScheme':
          if (!base || (typeof base.path === 'string' && c !== '#')) return null;
          if (typeof base.path === 'string') {
            url.scheme = base.scheme;
            url.path = base.path;
            url.query = base.query;
            url.fragment = '';
            state = 'fragment';
          } else {
            state = base.scheme === 'file' ? 'file' : 'relative';
            p--;
          }
          break;

        case 'specialRelativeOrAuthority':
          if (c === '/' && cps[p + 1] === '/') {
            state = 'specialAuthorityIgnoreSlashes';
            p++;
          } else {
            state = 'relative';
            p--;
          }
          break;

        case 'pathOrAuthority':
          if (c === '/') state = 'authority';
          else {
            state = 'path';
            p--;
          }
          break;

        case 'relative':
          url.scheme = base.scheme;
          if (c === '/' || (special() && c === '\\')) {
            state = 'relativeSlash';
          } else {
            copyAuthority(base);
            url.path = base.path.slice();
            url.query = base.query;
            if (c === '?') {
              url.query = '';
              state = 'query';
            } else if (c === '#') {
              url.fragment = '';
              state = 'fragment';
            } else if (c !== undefined) {
              url.query = null;
              shortenPath(url);
              state = 'path';
              p--;
            }
          }
          break;

        case 'relativeSlash':
          if (special() && (c === '/' || c === '\\')) state = 'specialAuthorityIgnoreSlashes';
          else if (c === '/') state = 'authority';
          else {
            copyAuthority(base);
            state = 'path';
            p--;
          }
          break;

        case 'specialAuthoritySlashes':
          state = 'specialAuthorityIgnoreSlashes';
          if (c === '/' && cps[p + 1] === '/') p++;
          else p--;
          break;

        case 'specialAuthorityIgnoreSlashes':
          if (c !== '/' && c !== '\\') {
            state = 'authority';
            p--;
          }
          break;

        case 'authority':
          if (c === '@') {
            if (atSignSeen) buffer = `%40${buffer}`;
            atSignSeen = true;
            for (const cp of buffer) {
              if (cp === ':' && !passwordTokenSeen) {
                passwordTokenSeen = true;
                continue;
              }
              const encoded = percentEncodeCodePoint(cp, inUserinfoSet);
              if (passwordTokenSeen) url.password += encoded;
              else url.username += encoded;
            }
            buffer = '';
          } else if (c === undefined || c === '/' || c === '?' || c === '#' || (special() && c === '\\')) {
            if (atSignSeen && buffer === '') return null;
            p -= Array.from(buffer).length + 1; // re-read the buffer as the host
            buffer = '';
            state = 'host';
          } else {
            buffer += c;
          }
          break;

        case 'host':
          if (c === ':' && !insideBrackets) {
            if (buffer === '') return null;
            const host = parseHost(buffer, !special());
            if (host === null) return null;
            url.host = host;
            buffer = '';
            state = 'port';
          } else if (c === undefined || c === '/' || c === '?' || c === '#' || (special() && c === '\\')) {
            p--;
            if (special() && buffer === '') return null;
            const host = parseHost(buffer, !special());
            if (host === null) return null;
            url.host = host;
            buffer = '';
            state = 'pathStart';
          } else {
            if (c === '[') insideBrackets = true;
            if (c === ']') insideBrackets = false;
            buffer += c;
          }
          break;

        case 'port':
          if (c !== undefined && /^[0-9]$/.test(c)) {
            buffer += c;
          } else if (c === undefined || c === '/' || c === '?' || c === '#' || (special() && c === '\\')) {
            if (buffer !== '') {
              const port = parseInt(buffer, 10);
              if (port > 65535) return null;
              url.port = port === SPECIAL_SCHEMES[url.scheme] ? null : port;
              buffer = '';
            }
            state = 'pathStart';
            p--;
          } else {
            return null;
          }
          break;

        case 'file':
          url.scheme = 'file';
          url.host = '';
          if (c === '/' || c === '\\') {
            state = 'fileSlash';
          } else if (base && base.scheme === 'file') {
            url.host = base.host;
            url.path = base.path.slice();
            url.query = base.query;
            if (c === '?') {
              url.query = '';
              state = 'query';
            } else if (c === '#') {
              url.fragment = '';
              state = 'fragment';
            } else if (c !== undefined) {
              url.query = null;
              if (!startsWithDriveLetter(cps, p)) shortenPath(url);
              else url.path = [];
              state = 'path';
              p--;
            }
          } else {
            state = 'path';
            p--;
          }
          break;

        case 'fileSlash':
          if (c === '/' || c === '\\') {
            state = 'fileHost';
          } else {
            if (base && base.scheme === 'file') {
              url.host = base.host;
              if (!startsWithDriveLetter(cps, p) && isNormalizedDriveLetter(base.path[0])) {
                url.path.push(base.path[0]);
              }
            }
            state = 'path';
            p--;
          }
          break;

        case 'fileHost':
          if (c === undefined || c === '/' || c === '\\' || c === '?' || c === '#') {
            p--;
            if (isWindowsDriveLetter(buffer)) {
              state = 'path'; // the buffer becomes the first path segment
            } else if (buffer === '') {
              url.host = '';
              state = 'pathStart';
            } else {
              let host = parseHost(buffer, false);
              if (host === null) return null;
              if (host === 'localhost') host = '';
              url.host = host;
              buffer = '';
              state = 'pathStart';
            }
          } else {
            buffer += c;
          }
          break;

        case 'pathStart':
          if (special()) {
            state = 'path';
            if (c !== '/' && c !== '\\') p--;
          } else if (c === '?') {
            url.query = '';
            state = 'query';
          } else if (c === '#') {
            url.fragment = '';
            state = 'fragment';
          } else if (c !== undefined) {
            state = 'path';
            if (c !== '/') p--;
          }
          break;

        case 'path': {
          const slash = c === '/' || (special() && c === '\\');
          if (c === undefined || slash || c === '?' || c === '#') {
            if (isDoubleDot(buffer)) {
              shortenPath(url);
              if (!slash) url.path.push('');
            } else if (isSingleDot(buffer)) {
              if (!slash) url.path.push('');
            } else {
              if (url.scheme === 'file' && url.path.length === 0 && isWindowsDriveLetter(buffer)) {
                buffer = `${buffer[0]}:`;
              }
              url.path.push(buffer);
            }
            buffer = '';
            if (c === '?') {
              url.query = '';
              state = 'query';
            } else if (c === '#') {
              url.fragment = '';
              state = 'fragment';
            }
          } else {
            buffer += percentEncodeCodePoint(c, inPathSet);
          }
          break;
        }

        case 'opaquePath':
          if (c === '?') {
            url.query = '';
            state = 'query';
          } else if (c === '#') {
            url.fragment = '';
            state = 'fragment';
          } else if (c !== undefined) {
            url.path += percentEncodeCodePoint(c, inC0ControlSet);
          }
          break;

        case 'query':
          if (c === '#' || c === undefined) {
            url.query += percentEncodeString(buffer, special() ? inSpecialQuerySet : inQuerySet);
            buffer = '';
            if (c === '#') {
              url.fragment = '';
              state = 'fragment';
            }
          } else {
            buffer += c;
          }
          break;

        case 'fragment':
          if (c !== undefined) url.fragment += percentEncodeCodePoint(c, inFragmentSet);
          break;

        default:
          throw new Error(`unreachable URL parser state ${state}`);
      }
      if (p >= cps.length) break;
    }
    return url;
  }

  // The parser ignores ASCII tab and newline anywhere in its input.
  const stripTabNewline = (value) => String(value).replace(/[\t\n\r]/g, '');

  function serializePath(url) {
    return typeof url.path === 'string' ? url.path : url.path.map((seg) => `/${seg}`).join('');
  }

  function serializeURL(url, excludeFragment) {
    let out = `${url.scheme}:`;
    if (url.host !== null) {
      out += '//';
      if (url.username !== '' || url.password !== '') {
        out += url.username;
        if (url.password !== '') out += `:${url.password}`;
        out += '@';
      }
      out += url.host;
      if (url.port !== null) out += `:${url.port}`;
    } else if (typeof url.path !== 'string' && url.path.length > 1 && url.path[0] === '') {
      out += '/.'; // keeps "//" at the start of a host-less path from reading as a host
    }
    out += serializePath(url);
    if (url.query !== null) out += `?${url.query}`;
    if (!excludeFragment && url.fragment !== null) out += `#${url.fragment}`;
    return out;
  }

  // WebIDL USVString conversion: unpaired surrogates become U+FFFD.
  const toUSVString = (value) => String(value).replace(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

  // application/x-www-form-urlencoded (used by URLSearchParams).  Node decodes
  // components the way querystring.parse does, so one that has a valid %XX
  // but is not valid UTF-8 overall (e.g. '%E2%82') goes through the
  // byte-truncating fallback; mirrored here.
  function formUrlencodedParse(input) {
    const list = [];
    for (const piece of input.split('&')) {
      if (piece === '') continue;
      const idx = piece.indexOf('=');
      const name = idx === -1 ? piece : piece.slice(0, idx);
      const value = idx === -1 ? '' : piece.slice(idx + 1);
      const decode = (s) => qsDecodeComponent(s, qsUnescape);
      list.push([decode(name), decode(value)]);
    }
    return list;
  }

  function formUrlencodedEscape(str) {
    let out = '';
    for (const b of utf8Encode(str)) {
      if (b === 0x20) out += '+';
      else if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) ||
        b === 0x2a || b === 0x2d || b === 0x2e || b === 0x5f) out += String.fromCharCode(b);
      else out += `%${HEX_UPPER[b]}`;
    }
    return out;
  }

  function formUrlencodedSerialize(list) {
    return list.map(([k, v]) => `${formUrlencodedEscape(k)}=${formUrlencodedEscape(v)}`).join('&');
  }

  function missingArgs(...names) {
    const quoted = names.map((n) => `"${n}"`);
    const list = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}` : quoted[0];
    return nodeError(TypeError, 'ERR_MISSING_ARGS',
      `The ${list} argument${names.length > 1 ? 's' : ''} must be specified`);
  }

  // Wired up by URLSearchParams' static block so URL can reach its private list.
  let searchParamsLink;
  let searchParamsReset;

  class URLSearchParams {
    #list = [];
    #url = null; // the owning URL's record, kept in sync on every mutation

    static {
      searchParamsLink = (params, record) => {
        params.#url = record;
      };
      searchParamsReset = (params, query) => {
        params.#list = query ? formUrlencodedParse(query) : [];
      };
    }

    constructor(init = undefined) {
      if (init === undefined || init === null) return;
      if (typeof init === 'object' || typeof init === 'function') {
        if (typeof init[Symbol.iterator] === 'function') {
          for (const pair of init) {
            const items = typeof pair === 'object' && pair !== null && typeof pair[Symbol.iterator] === 'function'
              ? Array.from(pair)
              : null;
            if (items === null || items.length !== 2) {
              throw nodeError(TypeError, 'ERR_INVALID_TUPLE',
                'Each query pair must be an iterable [name, value] tuple');
            }
            this.#list.push([toUSVString(items[0]), toUSVString(items[1])]);
          }
        } else {
          for (const key of Object.keys(init)) this.#list.push([toUSVString(key), toUSVString(init[key])]);
        }
        return;
      }
      let str = toUSVString(init);
      if (str[0] === '?') str = str.slice(1);
      this.#list = formUrlencodedParse(str);
    }

    #update() {
      if (this.#url === null) return;
      const serialized = formUrlencodedSerialize(this.#list);
      this.#url.query = serialized === '' ? null : serialized;
    }

    get size() {
      return this.#list.length;
    }

    append(name, value) {
      if (arguments.length < 2) throw missingArgs('name', 'value');
      this.#list.push([toUSVString(name), toUSVString(value)]);
      this.#update();
    }

    delete(name, value) {
      if (arguments.length < 1) throw missingArgs('name');
      name = toUSVString(name);
      const matchValue = value !== undefined;
      value = toUSVString(value);
      this.#list = this.#list.filter(([k, v]) => !(k === name && (!matchValue || v === value)));
      this.#update();
    }

    get(name) {
      if (arguments.length < 1) throw missingArgs('name');
      name = toUSVString(name);
      const entry = this.#list.find(([k]) => k === name);
      return entry ? entry[1] : null;
    }

    getAll(name) {
      if (arguments.length < 1) throw missingArgs('name');
      name = toUSVString(name);
      return this.#list.filter(([k]) => k === name).map(([, v]) => v);
    }

    has(name, value) {
      if (arguments.length < 1) throw missingArgs('name');
      name = toUSVString(name);
      const matchValue = value !== undefined;
      value = toUSVString(value);
      return this.#list.some(([k, v]) => k === name && (!matchValue || v === value));
    }

    set(name, value) {
      if (arguments.length < 2) throw missingArgs('name', 'value');
      name = toUSVString(name);
      value = toUSVString(value);
      const idx = this.#list.findIndex(([k]) => k === name);
      if (idx === -1) this.#list.push([name, value]);
      else {
        this.#list[idx][1] = value;
        this.#list = this.#list.filter(([k], i) => i <= idx || k !== name);
      }
      this.#update();
    }

    sort() {
      // Array#sort is stable; compare by UTF-16 code units as the spec says.
      this.#list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      this.#update();
    }

    forEach(callback, thisArg = undefined) {
      if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback);
      for (let i = 0; i < this.#list.length; i++) {
        const [k, v] = this.#list[i];
        callback.call(thisArg, v, k, this);
      }
    }

    keys() {
      return this.#list.map(([k]) => k)[Symbol.iterator]();
    }

    values() {
      return this.#list.map(([, v]) => v)[Symbol.iterator]();
    }

    entries() {
      return this.#list.map(([k, v]) => [k, v])[Symbol.iterator]();
    }

    [Symbol.iterator]() {
      return this.entries();
    }

    toString() {
      return formUrlencodedSerialize(this.#list);
    }

    get [Symbol.toStringTag]() {
      return 'URLSearchParams';
    }

    [inspectCustom](depth, options) {
      if (this.#list.length === 0) return 'URLSearchParams {}';
      const items = this.#list.map(([k, v]) => `${inspect(k, options)} => ${inspect(v, options)}`);
      return `URLSearchParams { ${items.join(', ')} }`;
    }
  }

  function invalidURL(input, base) {
    const extra = { input };
    if (base !== undefined) extra.base = base;
    return nodeError(TypeError, 'ERR_INVALID_URL', 'Invalid URL', extra);
  }

  function parseWithBase(input, base) {
    let baseRecord = null;
    if (base !== undefined) {
      baseRecord = basicURLParse(String(base), null);
      if (baseRecord === null) return null;
    }
    return basicURLParse(String(input), baseRecord);
  }

  class URL {
    #r;
    #searchParams;

    constructor(input, base = undefined) {
      if (arguments.length === 0) throw missingArgs('url');
      const record = parseWithBase(input, base);
      if (record === null) throw invalidURL(String(input), base === undefined ? undefined : String(base));
      this.#r = record;
      this.#searchParams = new URLSearchParams(record.query || '');
      searchParamsLink(this.#searchParams, record);
    }

    static canParse(input, base = undefined) {
      return parseWithBase(input, base) !== null;
    }

    #replace(record) {
      this.#r = record;
      searchParamsLink(this.#searchParams, record);
      searchParamsReset(this.#searchParams, record.query);
    }

    #cannotHaveCredentialsOrPort() {
      return this.#r.host === null || this.#r.host === '' || this.#r.scheme === 'file';
    }

    get href() {
      return serializeURL(this.#r, false);
    }

    set href(value) {
      const record = basicURLParse(String(value), null);
      if (record === null) throw invalidURL(String(value));
      this.#replace(record);
    }

    get origin() {
      const r = this.#r;
      if (r.scheme === 'blob') {
        try {
          return new URL(typeof r.path === 'string' ? r.path : serializePath(r)).origin;
        } catch {
          return 'null';
        }
      }
      if (!isSpecialScheme(r.scheme) || r.scheme === 'file') return 'null';
      return `${r.scheme}://${r.host}${r.port === null ? '' : `:${r.port}`}`;
    }

    get protocol() {
      return `${this.#r.scheme}:`;
    }

    // Setters below follow the spec's "state override" rules in simplified
    // form: invalid input is ignored rather than throwing, as in browsers.
    set protocol(value) {
      const m = /^([A-Za-z][A-Za-z0-9+\-.]*)(?::|$)/.exec(stripTabNewline(value));
      if (!m) return;
      const scheme = m[1].toLowerCase();
      const r = this.#r;
      if (isSpecialScheme(scheme) !== isSpecialScheme(r.scheme)) return;
      if (scheme === 'file' && (r.username !== '' || r.password !== '' || r.port !== null)) return;
      if (r.scheme === 'file' && r.host === '') return;
      r.scheme = scheme;
      if (r.port === SPECIAL_SCHEMES[scheme]) r.port = null;
    }

    get username() {
      return this.#r.username;
    }

    set username(value) {
      if (this.#cannotHaveCredentialsOrPort()) return;
      this.#r.username = percentEncodeString(String(value), inUserinfoSet);
    }

    get password() {
      return this.#r.password;
    }

    set password(value) {
      if (this.#cannotHaveCredentialsOrPort()) return;
      this.#r.password = percentEncodeString(String(value), inUserinfoSet);
    }

    get host() {
      const r = this.#r;
      if (r.host === null) return '';
      return r.port === null ? r.host : `${r.host}:${r.port}`;
    }

    set host(value) {
      this.#setHost(stripTabNewline(value), true);
    }

    get hostname() {
      return this.#r.host === null ? '' : this.#r.host;
    }

    set hostname(value) {
      this.#setHost(stripTabNewline(value), false);
    }

    #setHost(value, withPort) {
      const r = this.#r;
      if (typeof r.path === 'string') return;
      const special = isSpecialScheme(r.scheme);
      // Only the part before any path/query/fragment delimiter counts.
      const end = value.search(special ? /[/?#\\]/ : /[/?#]/);
      if (end !== -1) value = value.slice(0, end);
      let hostPart = value;
      let portPart = null;
      const colon = value.startsWith('[') ? value.indexOf(':', value.indexOf(']')) : value.indexOf(':');
      if (colon !== -1) {
        hostPart = value.slice(0, colon);
        if (withPort) portPart = value.slice(colon + 1);
        else return; // hostname setter with a ':' fails per spec
      }
      if (hostPart === '' && special) return;
      const host = parseHost(hostPart, !special);
      if (host === null) return;
      r.host = r.scheme === 'file' && host === 'localhost' ? '' : host;
      if (portPart !== null) this.port = portPart;
    }

    get port() {
      return this.#r.port === null ? '' : String(this.#r.port);
    }

    set port(value) {
      const r = this.#r;
      if (this.#cannotHaveCredentialsOrPort()) return;
      const str = stripTabNewline(value);
      if (str === '') {
        r.port = null;
        return;
      }
      const digits = /^[0-9]*/.exec(str)[0];
      if (digits === '') return;
      const port = parseInt(digits, 10);
      if (port > 65535) return;
      r.port = port === SPECIAL_SCHEMES[r.scheme] ? null : port;
    }

    get pathname() {
      return serializePath(this.#r);
    }

    set pathname(value) {
      const r = this.#r;
      if (typeof r.path === 'string') return;
      // Reuse the full parser on a synthetic URL so dot segments, backslashes
      // and percent-encoding behave exactly as when parsing; '?' and '#' are
      // data here, not delimiters.
      let str = stripTabNewline(value).replace(/[?#]/g, (ch) => (ch === '?' ? '%3F' : '%23'));
      const special = isSpecialScheme(r.scheme);
      if (special || str.startsWith('/') || r.host !== null) {
        if (!str.startsWith('/') && !(special && str.startsWith('\\'))) str = `/${str}`;
      }
      const prefix = r.scheme === 'file' ? 'file://' : special ? `${r.scheme}://h` : `${r.scheme}:`;
      const parsed = basicURLParse(prefix + str, null, false);
      if (parsed === null || typeof parsed.path === 'string') return;
      r.path = parsed.path;
    }

    get search() {
      const q = this.#r.query;
      return q === null || q === '' ? '' : `?${q}`;
    }

    set search(value) {
      const r = this.#r;
      let str = stripTabNewline(value);
      if (str === '') {
        r.query = null;
        searchParamsReset(this.#searchParams, null);
        return;
      }
      if (str[0] === '?') str = str.slice(1);
      r.query = percentEncodeString(str, isSpecialScheme(r.scheme) ? inSpecialQuerySet : inQuerySet);
      searchParamsReset(this.#searchParams, r.query);
    }

    get searchParams() {
      return this.#searchParams;
    }

    get hash() {
      const f = this.#r.fragment;
      return f === null || f === '' ? '' : `#${f}`;
    }

    set hash(value) {
      let str = stripTabNewline(value);
      if (str === '') {
        this.#r.fragment = null;
        return;
      }
      if (str[0] === '#') str = str.slice(1);
      this.#r.fragment = percentEncodeString(str, inFragmentSet);
    }

    toString() {
      return this.href;
    }

    toJSON() {
      return this.href;
    }

    get [Symbol.toStringTag]() {
      return 'URL';
    }

    [inspectCustom](depth, options) {
      const obj = {
        href: this.href, origin: this.origin, protocol: this.protocol, username: this.username,
        password: this.password, host: this.host, hostname: this.hostname, port: this.port,
        pathname: this.pathname, search: this.search, searchParams: this.searchParams,
        hash: this.hash,
      };
      return `URL ${inspect(obj, options)}`;
    }
  }

  // ---------------------------------------------------------------------------
  // Legacy url.parse / url.format / url.resolve (Node's pre-WHATWG API)
  // ---------------------------------------------------------------------------

  const SLASHED_PROTOCOLS = new Set(['http', 'https', 'ftp', 'gopher', 'file', 'ws', 'wss'].flatMap((p) => [p, `${p}:`]));
  const HOSTLESS_PROTOCOLS = new Set(['javascript', 'javascript:']);
  // Characters Node's legacy parser percent-escapes in the path/query/hash.
  const AUTO_ESCAPE = {
    '\t': '%09', '\n': '%0A', '\r': '%0D', ' ': '%20', '"': '%22', "'": '%27', '<': '%3C',
    '>': '%3E', '\\': '%5C', '^': '%5E', '`': '%60', '{': '%7B', '|': '%7C', '}': '%7D',
  };
  const AUTO_ESCAPE_RE = /[\t\n\r "'<>\\^`{|}]/g;

  // Node prints these as `Url { ... }` with every field present (null if unset).
  function Url() {
    this.protocol = null;
    this.slashes = null;
    this.auth = null;
    this.host = null;
    this.port = null;
    this.hostname = null;
    this.hash = null;
    this.search = null;
    this.query = null;
    this.pathname = null;
    this.path = null;
    this.href = null;
  }

  function legacyParse(urlStr, parseQueryString, slashesDenoteHost) {
    if (urlStr instanceof Url) return urlStr;
    if (typeof urlStr !== 'string') throw invalidArgType('url', 'of type string', urlStr);
    const result = new Url();
    // Trim whitespace (including NBSP and BOM) and treat backslashes before
    // the query/hash as slashes, like browsers.
    let rest = urlStr.replace(/^[\u0000-\u0020\u00a0\ufeff]+|[\u0000-\u0020\u00a0\ufeff]+$/g, '');
    const split = rest.search(/[?#]/);
    const head = split === -1 ? rest : rest.slice(0, split);
    rest = head.replace(/\\/g, '/') + (split === -1 ? '' : rest.slice(split));

    // Fast path for plain paths such as '/p?q=1' (no escaping happens here).
    if (!slashesDenoteHost && !rest.includes('#') && !head.includes('@')) {
      const simple = /^(\/\/?(?!\/)[^?\s]*)(\?[^\s]*)?$/.exec(rest);
      if (simple) {
        result.path = rest;
        result.href = rest;
        result.pathname = simple[1];
        if (simple[2]) {
          result.search = simple[2];
          result.query = parseQueryString ? qsParse(simple[2].slice(1)) : simple[2].slice(1);
        } else if (parseQueryString) {
          result.query = Object.create(null);
        }
        return result;
      }
    }

    let proto = null;
    let lowerProto;
    const protoMatch = /^[a-zA-Z0-9.+-]+:/.exec(rest);
    if (protoMatch) {
      proto = protoMatch[0];
      lowerProto = proto.toLowerCase();
      result.protocol = lowerProto;
      rest = rest.slice(proto.length);
    }

    let slashes = false;
    if (slashesDenoteHost || proto || /^\/\/[^@/]+@[^@/]+/.test(rest)) {
      slashes = rest.startsWith('//');
      if (slashes && !(proto && HOSTLESS_PROTOCOLS.has(lowerProto))) {
        rest = rest.slice(2);
        result.slashes = true;
      }
    }

    if (!HOSTLESS_PROTOCOLS.has(lowerProto) && (slashes || (proto && !SLASHED_PROTOCOLS.has(lowerProto)))) {
      // Tabs and newlines are dropped from the authority part (as WHATWG does).
      let hostEnd = rest.search(/[/?#]/);
      if (hostEnd === -1) hostEnd = rest.length;
      rest = rest.slice(0, hostEnd).replace(/[\t\n\r]/g, '') + rest.slice(hostEnd);
      hostEnd = rest.search(/[/?#]/);
      // userinfo is everything before the last '@' that precedes the path;
      // a malformed escape in it throws URIError, as in Node.
      const at = hostEnd === -1 ? rest.lastIndexOf('@') : rest.lastIndexOf('@', hostEnd);
      if (at !== -1) {
        result.auth = decodeURIComponent(rest.slice(0, at));
        rest = rest.slice(at + 1);
      }
      hostEnd = rest.search(/[%/?;#\t\n\r "'<>\\^`{|}]/);
      if (hostEnd === -1) hostEnd = rest.length;
      let host = rest.slice(0, hostEnd);
      rest = rest.slice(hostEnd);

      const portMatch = /:[0-9]*$/.exec(host);
      if (portMatch) {
        if (portMatch[0] !== ':') result.port = portMatch[0].slice(1);
        host = host.slice(0, host.length - portMatch[0].length);
      }
      let hostname = host;
      const ipv6 = hostname.startsWith('[') && hostname.endsWith(']');
      if (!ipv6) {
        // A stray ':' (or '/', '\\', '?', '#') ends the hostname; the rest
        // becomes the start of the path.
        const cut = hostname.search(/[:/\\?#]/);
        if (cut !== -1) {
          rest = `/${hostname.slice(cut)}${rest}`;
          hostname = hostname.slice(0, cut);
        }
      }
      hostname = hostname.length > 255 ? '' : hostname.toLowerCase();
      // Node 20 rejects hostnames that IDNA processing refuses or that end up
      // with forbidden characters (guards against host spoofing).
      if (hostname !== '') {
        if (ipv6) {
          if (/[\u0000\t\n\r #%/<>?@\\^|]/.test(hostname)) throw invalidURL(urlStr);
        } else {
          hostname = domainToASCII(hostname);
          if (!hostname || /[\u0000\t\n\r #%/:<>?@[\\\]^|]/.test(hostname)) throw invalidURL(urlStr);
        }
      }
      result.host = hostname + (result.port ? `:${result.port}` : '');
      result.hostname = ipv6 ? hostname.slice(1, -1) : hostname;
      if (ipv6 && rest[0] !== '/') rest = `/${rest}`;
    }

    if (!HOSTLESS_PROTOCOLS.has(lowerProto)) rest = rest.replace(AUTO_ESCAPE_RE, (ch) => AUTO_ESCAPE[ch]);

    const hashIdx = rest.indexOf('#');
    if (hashIdx !== -1) {
      result.hash = rest.slice(hashIdx);
      rest = rest.slice(0, hashIdx);
    }
    const qIdx = rest.indexOf('?');
    if (qIdx !== -1) {
      result.search = rest.slice(qIdx);
      result.query = rest.slice(qIdx + 1);
      if (parseQueryString) result.query = qsParse(result.query);
      rest = rest.slice(0, qIdx);
    } else if (parseQueryString) {
      result.search = null;
      result.query = Object.create(null);
    }
    if (rest.length > 0) result.pathname = rest;
    if (SLASHED_PROTOCOLS.has(lowerProto) && result.hostname && !result.pathname) result.pathname = '/';
    if (result.pathname || result.search) result.path = (result.pathname || '') + (result.search || '');
    result.href = legacyFormat(result);
    return result;
  }

  function legacyFormat(obj) {
    let auth = obj.auth || '';
    if (auth) auth = `${qsEscape(auth).replace(/%3A/g, ':')}@`; // ':' stays literal
    let protocol = obj.protocol || '';
    let pathname = obj.pathname || '';
    let hash = obj.hash || '';
    let host = '';
    let query = '';
    if (obj.host) {
      host = auth + obj.host;
    } else if (obj.hostname) {
      const hn = String(obj.hostname);
      host = auth + (hn.includes(':') && !(hn.startsWith('[') && hn.endsWith(']')) ? `[${hn}]` : hn);
      if (obj.port) host += `:${obj.port}`;
    }
    if (obj.query !== null && typeof obj.query === 'object') query = qsStringify(obj.query);
    let search = obj.search || (query && `?${query}`) || '';
    if (protocol && !protocol.endsWith(':')) protocol += ':';
    pathname = pathname.replace(/[?#]/g, (ch) => encodeURIComponent(ch));
    if (obj.slashes || SLASHED_PROTOCOLS.has(protocol)) {
      if (obj.slashes || host) {
        if (pathname && pathname[0] !== '/') pathname = `/${pathname}`;
        host = `//${host}`;
      } else if (protocol === 'file:') {
        host = '//';
      }
    }
    search = search.replace(/#/g, '%23');
    if (hash && hash[0] !== '#') hash = `#${hash}`;
    if (search && search[0] !== '?') search = `?${search}`;
    return protocol + host + pathname + search + hash;
  }

  Url.prototype.format = function () {
    return legacyFormat(this);
  };

  function urlFormat(urlObject, options) {
    if (typeof urlObject === 'string') return legacyFormat(legacyParse(urlObject));
    if (urlObject instanceof URL) {
      // Node's format(URL, { auth, fragment, search }) - each defaults to true.
      const opts = { auth: true, fragment: true, search: true, ...options };
      const copy = new URL(urlObject.href);
      if (!opts.auth) {
        copy.username = '';
        copy.password = '';
      }
      if (!opts.fragment) copy.hash = '';
      if (!opts.search) copy.search = '';
      return copy.href;
    }
    if (typeof urlObject !== 'object' || urlObject === null) {
      throw invalidArgType('urlObject', 'one of type object or string', urlObject);
    }
    return legacyFormat(urlObject);
  }

  // Resolution via the WHATWG parser against a placeholder scheme, so relative
  // `from` values like '/one/two' work too.
  function urlResolve(from, to) {
    const resolved = new URL(to, new URL(from, 'resolve://'));
    if (resolved.protocol === 'resolve:') return resolved.pathname + resolved.search + resolved.hash;
    return resolved.toString();
  }

  const urlModule = {
    URL,
    URLSearchParams,
    Url,
    parse: legacyParse,
    format: urlFormat,
    resolve: urlResolve,
    domainToASCII: (domain) => {
      const host = parseHost(String(domain), false);
      return host === null ? '' : host;
    },
  };

  // ---------------------------------------------------------------------------
  // util.inspect - reproduces Node's default layout: depth 2, breakLength 80,
  // compact 3 (up to 3 inner levels on one line when short), arrays of more
  // than 6 items grouped into columns, `<ref *1>` / `[Circular *1]` markers.
  // ---------------------------------------------------------------------------

  const INSPECT_DEFAULTS = {
    showHidden: false,
    depth: 2,
    colors: false,
    customInspect: true,
    showProxy: false,
    maxArrayLength: 100,
    maxStringLength: 10000,
    breakLength: 80,
    compact: 3,
    sorted: false,
    getters: false,
    numericSeparator: false,
  };

  const OBJECT_TYPE = 0;
  const ARRAY_TYPE = 1;

  // Brand checks that do not rely on (spoofable) Symbol.toStringTag.
  function brandCheck(fn) {
    return (value) => {
      if (value === null || typeof value !== 'object') return false;
      try {
        fn(value);
        return true;
      } catch {
        return false;
      }
    };
  }
  const getterOf = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
  const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
  const typedArrayTag = getterOf(TypedArrayProto, Symbol.toStringTag);
  const isDate = brandCheck((v) => Date.prototype.getTime.call(v));
  const isRegExp = (v) => v !== RegExp.prototype && brandCheck((x) => getterOf(RegExp.prototype, 'source').call(x))(v);
  const isMap = brandCheck((v) => getterOf(Map.prototype, 'size').call(v));
  const isSet = brandCheck((v) => getterOf(Set.prototype, 'size').call(v));
  const isWeakMap = brandCheck((v) => WeakMap.prototype.has.call(v, {}));
  const isWeakSet = brandCheck((v) => WeakSet.prototype.has.call(v, {}));
  const isArrayBuffer = brandCheck((v) => getterOf(ArrayBuffer.prototype, 'byteLength').call(v));
  const isDataView = brandCheck((v) => getterOf(DataView.prototype, 'byteLength').call(v));
  const isNumberObject = brandCheck((v) => Number.prototype.valueOf.call(v));
  const isStringObject = brandCheck((v) => String.prototype.valueOf.call(v));
  const isBooleanObject = brandCheck((v) => Boolean.prototype.valueOf.call(v));
  const isSymbolObject = brandCheck((v) => Symbol.prototype.valueOf.call(v));
  const isBigIntObject = brandCheck((v) => BigInt.prototype.valueOf.call(v));
  const isBoxedPrimitive = (v) => isNumberObject(v) || isStringObject(v) || isBooleanObject(v) ||
    isSymbolObject(v) || isBigIntObject(v);
  const isTypedArray = (v) => typedArrayTag.call(v) !== undefined;
  const toStringTagOf = (v) => Object.prototype.toString.call(v).slice(8, -1);
  const isNativeError = (v) => v !== null && typeof v === 'object' &&
    (v instanceof Error || toStringTagOf(v) === 'Error');
  const isPromise = (v) => v instanceof Promise || (v !== null && typeof v === 'object' && toStringTagOf(v) === 'Promise');
  const isArguments = (v) => toStringTagOf(v) === 'Arguments';

  // The first named constructor along the prototype chain, or null for
  // null-prototype objects (Node prints those as `[Object: null prototype]`).
  function getConstructorName(obj) {
    let proto = obj;
    while (proto !== null && proto !== undefined) {
      const desc = Object.getOwnPropertyDescriptor(proto, 'constructor');
      if (desc && typeof desc.value === 'function' && typeof desc.value.name === 'string' &&
          desc.value.name !== '') {
        try {
          if (obj instanceof desc.value) return desc.value.name;
        } catch {
          // an exotic constructor whose instanceof throws; keep walking
        }
      }
      proto = Object.getPrototypeOf(proto);
    }
    return null;
  }

  function getPrefix(constructor, tag, fallback, size = '') {
    if (constructor === null) {
      if (tag !== '' && fallback !== tag) return `[${fallback}${size}: null prototype] [${tag}] `;
      return `[${fallback}${size}: null prototype] `;
    }
    if (tag !== '' && constructor !== tag) return `${constructor}${size} [${tag}] `;
    return `${constructor}${size} `;
  }

  const STRING_ESCAPES = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 92: '\\\\' };

  // Quote like Node: single quotes unless the text contains them, then double
  // quotes, then backticks; control characters become \n, \x0B, ... escapes.
  function strEscape(str) {
    let quote = "'";
    if (str.includes("'")) {
      if (!str.includes('"')) quote = '"';
      else if (!str.includes('`') && !str.includes('${')) quote = '`';
    }
    let out = '';
    let last = 0;
    for (let i = 0; i < str.length; i++) {
      const c = str.charCodeAt(i);
      let rep = null;
      if (c === 39 && quote === "'") rep = "\\'";
      else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
        rep = STRING_ESCAPES[c] || `\\x${HEX_UPPER[c]}`;
      } else if (c === 92) rep = '\\\\';
      else if (c >= 0xd800 && c <= 0xdfff) {
        const next = str.charCodeAt(i + 1);
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          i++; // a valid pair is printed as is
          continue;
        }
        rep = `\\u${c.toString(16)}`;
      }
      if (rep !== null) {
        out += str.slice(last, i) + rep;
        last = i + 1;
      }
    }
    return quote + out + str.slice(last) + quote;
  }

  function formatKey(key, enumerable) {
    if (typeof key === 'symbol') return `[${key.toString()}]`;
    if (key === '__proto__') return "['__proto__']";
    if (!enumerable) return `[${key}]`;
    return /^[a-zA-Z_][a-zA-Z_0-9]*$/.test(key) ? key : strEscape(key);
  }

  const formatNumber = (n) => (Object.is(n, -0) ? '-0' : `${n}`);

  function formatPrimitive(ctx, value) {
    switch (typeof value) {
      case 'string': {
        let trailer = '';
        if (value.length > ctx.maxStringLength) {
          const remaining = value.length - ctx.maxStringLength;
          value = value.slice(0, ctx.maxStringLength);
          trailer = `... ${remaining} more character${remaining > 1 ? 's' : ''}`;
        }
        // Long multi-line strings are split after each newline and joined with +.
        if (ctx.compact !== true && value.length > 16 &&
            value.length > ctx.breakLength - ctx.indentationLvl - 4) {
          return value
            .split(/(?<=\n)/)
            .map(strEscape)
            .join(` +\n${' '.repeat(ctx.indentationLvl + 2)}`) + trailer;
        }
        return strEscape(value) + trailer;
      }
      case 'number':
        return formatNumber(value);
      case 'bigint':
        return `${value}n`;
      case 'symbol':
        return value.toString();
      default:
        return String(value); // boolean, undefined
    }
  }

  function getKeys(value, showHidden) {
    const symbols = Object.getOwnPropertySymbols(value);
    if (showHidden) return [...Object.getOwnPropertyNames(value), ...symbols];
    const keys = Object.keys(value);
    for (const sym of symbols) {
      if (Object.prototype.propertyIsEnumerable.call(value, sym)) keys.push(sym);
    }
    return keys;
  }

  function functionBase(value, constructor, tag) {
    let source = '';
    try {
      source = Function.prototype.toString.call(value);
    } catch {
      // revoked proxies and the like
    }
    const name = typeof value.name === 'string' ? value.name : '';
    if (source.startsWith('class') && source.endsWith('}')) {
      let base = `class ${name || '(anonymous)'}`;
      if (constructor !== 'Function' && constructor !== null) base += ` [${constructor}]`;
      const superCtor = Object.getPrototypeOf(value);
      if (superCtor && superCtor.name) base += ` extends ${superCtor.name}`;
      return `[${base}]`;
    }
    let type = 'Function';
    const kind = toStringTagOf(value);
    if (kind === 'GeneratorFunction') type = 'GeneratorFunction';
    else if (kind === 'AsyncFunction') type = 'AsyncFunction';
    else if (kind === 'AsyncGeneratorFunction') type = 'AsyncGeneratorFunction';
    let base = `[${type}`;
    if (constructor === null) base += ' (null prototype)';
    base += name === '' ? ' (anonymous)' : `: ${name}`;
    base += ']';
    if (constructor !== type && constructor !== null) base += ` ${constructor}`;
    if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
    return base;
  }

  function formatError(err, constructor, tag, ctx, keys) {
    const name = err.name != null ? String(err.name) : 'Error';
    let stack;
    try {
      stack = typeof err.stack === 'string' && err.stack !== '' ? err.stack : Error.prototype.toString.call(err);
    } catch {
      stack = `${name}`;
    }
    // Own name/message/stack already visible in the stack are not repeated.
    for (const key of ['name', 'message', 'stack']) {
      const idx = keys.indexOf(key);
      if (idx !== -1 && typeof err[key] === 'string' && stack.includes(err[key])) keys.splice(idx, 1);
    }
    // Node shows a non-enumerable own `cause` as `[cause]: ...`.
    if (!ctx.showHidden && hasOwn(err, 'cause') && !keys.includes('cause')) keys.push('cause');
    // A subclass is named in front: `MyErr [Error]: message`.
    if (constructor !== null && name.endsWith('Error') && stack.startsWith(name) &&
        (stack.length === name.length || stack[name.length] === ':' || stack[name.length] === '\n')) {
      const prefix = getPrefix(constructor, tag, 'Error').slice(0, -1);
      if (prefix !== name) {
        stack = prefix.includes(name)
          ? prefix + stack.slice(name.length)
          : `${prefix} [${name}]${stack.slice(name.length)}`;
      }
    }
    // Errors without stack frames are wrapped in brackets: `[Error: boom]`.
    let pos = (err.message && stack.indexOf(err.message)) || -1;
    if (pos !== -1) pos += err.message.length;
    if (stack.indexOf('\n    at', pos) === -1) stack = `[${stack}]`;
    if (ctx.indentationLvl !== 0) stack = stack.replace(/\n/g, `\n${' '.repeat(ctx.indentationLvl)}`);
    return stack;
  }

  function hexBytes(bytes, max) {
    const shown = Math.min(max, bytes.length);
    let str = '';
    for (let i = 0; i < shown; i++) str += (i ? ' ' : '') + HEX_LOWER[bytes[i]];
    const remaining = bytes.length - shown;
    if (remaining > 0) str += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
    return str;
  }

  function formatValue(ctx, value, recurseTimes) {
    if (value === null) return 'null';
    if (typeof value !== 'object' && typeof value !== 'function') return formatPrimitive(ctx, value);

    if (ctx.customInspect) {
      let custom;
      try {
        custom = value[inspectCustom];
      } catch {
        custom = undefined;
      }
      if (typeof custom === 'function' && custom !== inspect) {
        const depth = ctx.depth - recurseTimes;
        const options = { ...ctx.userOptions, depth };
        const ret = custom.call(value, depth, options, inspect);
        if (ret !== value) {
          if (typeof ret !== 'string') return formatValue(ctx, ret, recurseTimes);
          return ret.replace(/\n/g, `\n${' '.repeat(ctx.indentationLvl)}`);
        }
      }
    }

    if (ctx.seen.includes(value)) {
      let index = ctx.circular.get(value);
      if (index === undefined) {
        index = ctx.circular.size + 1;
        ctx.circular.set(value, index);
      }
      return `[Circular *${index}]`;
    }
    return formatRaw(ctx, value, recurseTimes);
  }

  function formatRaw(ctx, value, recurseTimes) {
    const constructor = getConstructorName(value);
    let tag = '';
    try {
      const t = value[Symbol.toStringTag];
      // An own toStringTag is shown as a regular key instead.
      if (typeof t === 'string' && !(ctx.showHidden ? hasOwn(value, Symbol.toStringTag)
        : Object.prototype.propertyIsEnumerable.call(value, Symbol.toStringTag))) tag = t;
    } catch {
      tag = '';
    }
    let keys = getKeys(value, ctx.showHidden);
    let base = '';
    let braces;
    let formatter = () => [];
    let extrasType = OBJECT_TYPE;

    if (Array.isArray(value)) {
      keys = keys.filter((k) => !isArrayIndex(k));
      const prefix = constructor !== 'Array' || tag !== ''
        ? getPrefix(constructor, tag, 'Array', `(${value.length})`)
        : '';
      braces = [`${prefix}[`, ']'];
      if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
      extrasType = ARRAY_TYPE;
      formatter = formatArrayEntries;
    } else if (isSet(value)) {
      const prefix = getPrefix(constructor, tag, 'Set', `(${value.size})`);
      if (value.size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
      formatter = formatSetEntries;
    } else if (isMap(value)) {
      const prefix = getPrefix(constructor, tag, 'Map', `(${value.size})`);
      if (value.size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
      formatter = formatMapEntries;
    } else if (isTypedArray(value)) {
      keys = keys.filter((k) => !isArrayIndex(k));
      const fallback = typedArrayTag.call(value);
      const prefix = getPrefix(constructor, tag, fallback, `(${value.length})`);
      braces = [`${prefix}[`, ']'];
      if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
      extrasType = ARRAY_TYPE;
      formatter = formatTypedArrayEntries;
    } else if (isArguments(value)) {
      // Node 20 lists arguments objects by key: `[Arguments] { '0': 1 }`.
      if (keys.length === 0) return '[Arguments] {}';
      braces = ['[Arguments] {', '}'];
    } else if (typeof value === 'function') {
      base = functionBase(value, constructor, tag);
      if (keys.length === 0) return base;
      braces = ['{', '}'];
    } else if (isRegExp(value)) {
      base = RegExp.prototype.toString.call(value);
      const prefix = getPrefix(constructor, tag, 'RegExp');
      if (prefix !== 'RegExp ') base = `${prefix}${base}`;
      if (keys.length === 0) return base;
      braces = ['{', '}'];
    } else if (isDate(value)) {
      const time = Date.prototype.getTime.call(value);
      base = Number.isNaN(time) ? 'Invalid Date' : Date.prototype.toISOString.call(value);
      const prefix = getPrefix(constructor, tag, 'Date');
      if (prefix !== 'Date ') base = `${prefix}${base}`;
      if (keys.length === 0) return base;
      braces = ['{', '}'];
    } else if (isNativeError(value)) {
      base = formatError(value, constructor, tag, ctx, keys);
      if (keys.length === 0) return base;
      braces = ['{', '}'];
    } else if (isBoxedPrimitive(value)) {
      let type;
      let inner;
      if (isNumberObject(value)) {
        type = 'Number';
        inner = formatNumber(Number.prototype.valueOf.call(value));
      } else if (isStringObject(value)) {
        type = 'String';
        const s = String.prototype.valueOf.call(value);
        inner = strEscape(s);
        keys = keys.filter((k) => !isArrayIndex(k) && k !== 'length');
      } else if (isBooleanObject(value)) {
        type = 'Boolean';
        inner = String(Boolean.prototype.valueOf.call(value));
      } else if (isBigIntObject(value)) {
        type = 'BigInt';
        inner = `${BigInt.prototype.valueOf.call(value)}n`;
      } else {
        type = 'Symbol';
        inner = Symbol.prototype.valueOf.call(value).toString();
      }
      base = `[${type}${constructor !== type && constructor !== null ? ` (${constructor})` : ''}: ${inner}]`;
      if (keys.length === 0) return base;
      braces = ['{', '}'];
    } else if (isArrayBuffer(value)) {
      const prefix = getPrefix(constructor, tag, 'ArrayBuffer');
      braces = [`${prefix}{`, '}'];
      formatter = () => [
        `[Uint8Contents]: <${hexBytes(new Uint8Array(value), INSPECT_MAX_BYTES)}>`,
        `byteLength: ${value.byteLength}`,
      ];
    } else if (isPromise(value)) {
      // The state of a promise is not observable synchronously from JS.
      braces = [`${getPrefix(constructor, tag, 'Promise')}{`, '}'];
      formatter = () => ['<unknown>'];
    } else if (isWeakMap(value) || isWeakSet(value)) {
      const fallback = isWeakMap(value) ? 'WeakMap' : 'WeakSet';
      braces = [`${getPrefix(constructor, tag, fallback)}{`, '}'];
      formatter = () => ['<items unknown>'];
    } else {
      if (constructor === 'Object' && tag === '') {
        if (keys.length === 0) return '{}';
        braces = ['{', '}'];
      } else {
        const prefix = getPrefix(constructor, tag, 'Object');
        if (keys.length === 0) return `${prefix}{}`;
        braces = [`${prefix}{`, '}'];
      }
    }

    if (recurseTimes > ctx.depth) {
      const name = getPrefix(constructor, tag, 'Object').slice(0, -1);
      return constructor === null ? name : `[${name}]`;
    }
    recurseTimes++;
    ctx.seen.push(value);
    ctx.currentDepth = recurseTimes;
    let output;
    try {
      output = formatter(ctx, value, recurseTimes);
      for (const key of keys) output.push(formatProperty(ctx, value, recurseTimes, key, OBJECT_TYPE));
    } finally {
      ctx.seen.pop();
    }
    if (ctx.sorted) {
      const compare = typeof ctx.sorted === 'function' ? ctx.sorted : undefined;
      if (extrasType === OBJECT_TYPE) output.sort(compare);
      else if (keys.length > 1) {
        const tail = output.splice(output.length - keys.length).sort(compare);
        output.push(...tail);
      }
    }
    const ref = ctx.circular.get(value);
    if (ref !== undefined) base = base === '' ? `<ref *${ref}>` : `<ref *${ref}> ${base}`;
    return reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value);
  }

  function formatProperty(ctx, value, recurseTimes, key, type) {
    let desc = Object.getOwnPropertyDescriptor(value, key);
    if (desc === undefined) desc = { value: value[key], enumerable: true };
    let str;
    if (desc.value !== undefined) {
      ctx.indentationLvl += 2;
      str = formatValue(ctx, desc.value, recurseTimes);
      ctx.indentationLvl -= 2;
    } else if (desc.get !== undefined) {
      str = desc.set !== undefined ? '[Getter/Setter]' : '[Getter]';
    } else if (desc.set !== undefined) {
      str = '[Setter]';
    } else {
      str = 'undefined';
    }
    if (type === ARRAY_TYPE) return str;
    return `${formatKey(key, desc.enumerable !== false)}: ${str}`;
  }

  function formatArrayEntries(ctx, value, recurseTimes) {
    const output = [];
    const len = value.length;
    let i = 0;
    let indexKeys = null; // computed lazily to skip over holes quickly
    while (i < len && output.length < ctx.maxArrayLength) {
      if (hasOwn(value, i)) {
        output.push(formatProperty(ctx, value, recurseTimes, i, ARRAY_TYPE));
        i++;
        continue;
      }
      if (indexKeys === null) indexKeys = Object.keys(value).filter(isArrayIndex).map(Number);
      let next = len;
      for (const k of indexKeys) if (k > i && k < next) next = k;
      const holes = next - i;
      output.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`);
      i = next;
    }
    const remaining = len - i;
    if (remaining > 0) output.push(`... ${remaining} more item${remaining > 1 ? 's' : ''}`);
    return output;
  }

  function formatTypedArrayEntries(ctx, value) {
    const shown = Math.min(ctx.maxArrayLength, value.length);
    const output = [];
    for (let i = 0; i < shown; i++) output.push(formatPrimitive(ctx, value[i]));
    const remaining = value.length - shown;
    if (remaining > 0) output.push(`... ${remaining} more item${remaining > 1 ? 's' : ''}`);
    return output;
  }

  function formatSetEntries(ctx, value, recurseTimes) {
    const output = [];
    ctx.indentationLvl += 2;
    for (const v of value) output.push(formatValue(ctx, v, recurseTimes));
    ctx.indentationLvl -= 2;
    return output;
  }

  function formatMapEntries(ctx, value, recurseTimes) {
    const output = [];
    ctx.indentationLvl += 2;
    for (const [k, v] of value) {
      output.push(`${formatValue(ctx, k, recurseTimes)} => ${formatValue(ctx, v, recurseTimes)}`);
    }
    ctx.indentationLvl -= 2;
    return output;
  }

  function isBelowBreakLength(ctx, output, start, base) {
    let total = output.length + start;
    if (total + output.length > ctx.breakLength) return false;
    for (const entry of output) {
      total += entry.length;
      if (total > ctx.breakLength) return false;
    }
    return base === '' || !base.includes('\n');
  }

  // Lays out long arrays of short items in aligned columns (Node's
  // "groupArrayElements" heuristic: roughly square blocks, at most 15 columns,
  // numbers right-aligned, everything else left-aligned).
  function groupArrayElements(ctx, output, value) {
    let outputLength = output.length;
    if (ctx.maxArrayLength < output.length) outputLength--; // leave "... more items" alone
    const separatorSpace = 2; // ", "
    const dataLen = [];
    let totalLength = 0;
    let maxLength = 0;
    for (let i = 0; i < outputLength; i++) {
      const len = output[i].length;
      dataLen.push(len);
      totalLength += len + separatorSpace;
      if (len > maxLength) maxLength = len;
    }
    const actualMax = maxLength + separatorSpace;
    if (actualMax * 3 + ctx.indentationLvl >= ctx.breakLength ||
        !(totalLength / actualMax > 5 || maxLength <= 6)) {
      return output;
    }
    const averageBias = Math.sqrt(actualMax - totalLength / output.length);
    const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
    const columns = Math.min(
      Math.round(Math.sqrt(2.5 * biasedMax * outputLength) / biasedMax),
      Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
      ctx.compact * 4,
      15,
    );
    if (columns <= 1) return output;
    const maxLineLength = [];
    for (let col = 0; col < columns; col++) {
      let lineLength = 0;
      for (let j = col; j < output.length; j += columns) {
        if (dataLen[j] > lineLength) lineLength = dataLen[j];
      }
      maxLineLength.push(lineLength + separatorSpace);
    }
    let padStart = true;
    if (value !== undefined) {
      for (let i = 0; i < output.length; i++) {
        if (typeof value[i] !== 'number' && typeof value[i] !== 'bigint') {
          padStart = false;
          break;
        }
      }
    }
    const grouped = [];
    for (let i = 0; i < outputLength; i += columns) {
      const max = Math.min(i + columns, outputLength);
      let line = '';
      let j = i;
      for (; j < max - 1; j++) {
        const cell = `${output[j]}, `;
        line += padStart ? cell.padStart(maxLineLength[j - i], ' ') : cell.padEnd(maxLineLength[j - i], ' ');
      }
      line += padStart ? output[j].padStart(maxLineLength[j - i] - separatorSpace, ' ') : output[j];
      grouped.push(line);
    }
    if (ctx.maxArrayLength < output.length) grouped.push(output[outputLength]);
    return grouped;
  }

  function reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value) {
    if (ctx.compact !== true) {
      if (typeof ctx.compact === 'number' && ctx.compact >= 1) {
        const entries = output.length;
        if (extrasType === ARRAY_TYPE && entries > 6) output = groupArrayElements(ctx, output, value);
        // Only the innermost `compact` levels may be put on a single line.
        if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
          const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
          if (isBelowBreakLength(ctx, output, start, base)) {
            const joined = output.join(', ');
            if (!joined.includes('\n')) {
              return `${base ? `${base} ` : ''}${braces[0]} ${joined} ${braces[1]}`;
            }
          }
        }
      }
      const indentation = `\n${' '.repeat(ctx.indentationLvl)}`;
      return `${base ? `${base} ` : ''}${braces[0]}${indentation}  ${output.join(`,${indentation}  `)}${indentation}${braces[1]}`;
    }
    // compact: true - the pre-Node-12 layout.
    if (isBelowBreakLength(ctx, output, 0, base)) {
      return `${braces[0]}${base ? ` ${base}` : ''} ${output.join(', ')} ${braces[1]}`;
    }
    const indentation = ' '.repeat(ctx.indentationLvl);
    const lead = base === '' && braces[0].length === 1 ? ' ' : `${base ? ` ${base}` : ''}\n${indentation}  `;
    return `${braces[0]}${lead}${output.join(`,\n${indentation}  `)} ${braces[1]}`;
  }

  // inspect(value[, options]) or the legacy inspect(value, showHidden, depth, colors).
  function inspect(value, opts, ...legacy) {
    const options = { ...INSPECT_DEFAULTS };
    if (typeof opts === 'boolean') {
      options.showHidden = opts;
      if (legacy.length > 0 && legacy[0] !== undefined) options.depth = legacy[0];
    } else if (opts !== null && typeof opts === 'object') {
      for (const key of Object.keys(opts)) {
        if (hasOwn(INSPECT_DEFAULTS, key) || key === 'stylize') options[key] = opts[key];
      }
    }
    const ctx = {
      ...options,
      depth: options.depth === null ? Infinity : options.depth,
      maxArrayLength: options.maxArrayLength === null ? Infinity : Math.max(0, options.maxArrayLength),
      maxStringLength: options.maxStringLength === null ? Infinity : Math.max(0, options.maxStringLength),
      userOptions: options,
      seen: [],
      circular: new Map(),
      indentationLvl: 0,
      currentDepth: 0,
    };
    return formatValue(ctx, value, 0);
  }
  inspect.custom = inspectCustom;
  inspect.defaultOptions = INSPECT_DEFAULTS;

  // ---------------------------------------------------------------------------
  // util.format
  // ---------------------------------------------------------------------------

  // Global constructor names; %s inspects objects whose toString comes from
  // one of these (i.e. is not user-defined). Captured at load, while the
  // context still only has the built-ins.
  const BUILTIN_CONSTRUCTORS = new Set(
    Object.getOwnPropertyNames(globalThis).filter((name) => /^[A-Z][a-zA-Z0-9]+$/.test(name)),
  );

  function hasBuiltInToString(value) {
    if (typeof value.toString !== 'function') return true;
    if (hasOwn(value, 'toString')) return false;
    let proto = value;
    do {
      proto = Object.getPrototypeOf(proto);
    } while (proto !== null && !hasOwn(proto, 'toString'));
    if (proto === null) return true;
    const desc = Object.getOwnPropertyDescriptor(proto, 'constructor');
    return desc !== undefined && typeof desc.value === 'function' && BUILTIN_CONSTRUCTORS.has(desc.value.name);
  }

  function formatWithOptions(inspectOptions, ...args) {
    if (inspectOptions === null || typeof inspectOptions !== 'object') {
      throw invalidArgType('inspectOptions', 'of type object', inspectOptions);
    }
    const first = args[0];
    let used = 0; // number of args consumed by the format string
    let str = '';
    let join = '';
    if (typeof first === 'string') {
      if (args.length === 1) return first; // even '%%' stays as is, like Node
      let lastPos = 0;
      for (let i = 0; i < first.length - 1; i++) {
        if (first.charCodeAt(i) !== 37) continue; // '%'
        const spec = first[++i];
        if (used + 1 === args.length) {
          // Out of arguments: only '%%' is still collapsed.
          if (spec === '%') {
            str += first.slice(lastPos, i);
            lastPos = i + 1;
          }
          continue;
        }
        let piece;
        switch (spec) {
          case 's': {
            const arg = args[++used];
            if (typeof arg === 'number') piece = formatNumber(arg);
            else if (typeof arg === 'bigint') piece = `${arg}n`;
            else if (arg === null || typeof arg !== 'object' || !hasBuiltInToString(arg)) piece = String(arg);
            else piece = inspect(arg, { ...inspectOptions, depth: 0, colors: false, compact: 3 });
            break;
          }
          case 'j':
            piece = tryStringify(args[++used]);
            break;
          case 'd': {
            const arg = args[++used];
            if (typeof arg === 'bigint') piece = `${arg}n`;
            else if (typeof arg === 'symbol') piece = 'NaN';
            else piece = formatNumber(Number(arg));
            break;
          }
          case 'O':
            piece = inspect(args[++used], inspectOptions);
            break;
          case 'o':
            piece = inspect(args[++used], { ...inspectOptions, showHidden: true, showProxy: true, depth: 4 });
            break;
          case 'i': {
            const arg = args[++used];
            if (typeof arg === 'bigint') piece = `${arg}n`;
            else if (typeof arg === 'symbol') piece = 'NaN';
            else piece = formatNumber(parseInt(arg, 10));
            break;
          }
          case 'f': {
            const arg = args[++used];
            piece = typeof arg === 'symbol' ? 'NaN' : formatNumber(parseFloat(arg));
            break;
          }
          case 'c': // CSS styling: consumed and dropped
            used++;
            piece = '';
            break;
          case '%':
            str += first.slice(lastPos, i);
            lastPos = i + 1;
            continue;
          default:
            continue; // unknown specifier stays literal
        }
        if (lastPos !== i - 1) str += first.slice(lastPos, i - 1);
        str += piece;
        lastPos = i + 1;
      }
      if (lastPos !== 0) {
        used++;
        join = ' ';
        if (lastPos < first.length) str += first.slice(lastPos);
      }
    }
    // Leftover arguments are appended, strings verbatim and the rest inspected.
    for (let a = used; a < args.length; a++) {
      const value = args[a];
      str += join + (typeof value === 'string' ? value : inspect(value, inspectOptions));
      join = ' ';
    }
    return str;
  }

  function tryStringify(value) {
    try {
      return `${JSON.stringify(value)}`;
    } catch (err) {
      if (err instanceof TypeError && /circular/i.test(err.message)) return '[Circular]';
      throw err;
    }
  }

  function format(...args) {
    return formatWithOptions({}, ...args);
  }

  // ---------------------------------------------------------------------------
  // util.isDeepStrictEqual (assert.deepStrictEqual semantics)
  // ---------------------------------------------------------------------------

  function isDeepStrictEqual(a, b) {
    return deepEqual(a, b, new Map());
  }

  function ownEnumerableKeys(obj) {
    const keys = Object.keys(obj);
    for (const sym of Object.getOwnPropertySymbols(obj)) {
      if (Object.prototype.propertyIsEnumerable.call(obj, sym)) keys.push(sym);
    }
    return keys;
  }

  function deepEqual(a, b, memo) {
    if (Object.is(a, b)) return true; // NaN equals NaN, but 0 !== -0
    if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    if (toStringTagOf(a) !== toStringTagOf(b)) return false;
    // Cycles: assume equal while the same pair is being compared further up.
    if (memo.get(a) === b) return true;
    memo.set(a, b);
    try {
      if (Array.isArray(a) && a.length !== b.length) return false;
      if (isDate(a) && Date.prototype.getTime.call(a) !== Date.prototype.getTime.call(b)) return false;
      if (isRegExp(a) && (a.source !== b.source || a.flags !== b.flags || a.lastIndex !== b.lastIndex)) {
        return false;
      }
      if (isNativeError(a) && (a.message !== b.message || a.name !== b.name)) return false;
      if (isBoxedPrimitive(a) && !Object.is(a.valueOf(), b.valueOf())) return false;
      if (ArrayBuffer.isView(a) || isArrayBuffer(a)) {
        const x = isArrayBuffer(a) ? new Uint8Array(a) : bytesOf(a);
        const y = isArrayBuffer(b) ? new Uint8Array(b) : bytesOf(b);
        if (x.length !== y.length) return false;
        for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
      }
      const keysA = ownEnumerableKeys(a);
      const keysB = ownEnumerableKeys(b);
      if (keysA.length !== keysB.length) return false;
      for (const key of keysA) {
        if (!Object.prototype.propertyIsEnumerable.call(b, key)) return false;
        if (!(ArrayBuffer.isView(a) && isArrayIndex(key)) && !deepEqual(a[key], b[key], memo)) return false;
      }
      if (isSet(a)) return setEquiv(a, b, memo);
      if (isMap(a)) return mapEquiv(a, b, memo);
      return true;
    } finally {
      memo.delete(a);
    }
  }

  function setEquiv(a, b, memo) {
    if (a.size !== b.size) return false;
    const pending = [];
    for (const v of a) {
      if (b.has(v)) continue;
      if (v === null || typeof v !== 'object') return false;
      pending.push(v);
    }
    if (pending.length === 0) return true;
    const candidates = [...b].filter((v) => v !== null && typeof v === 'object' && !a.has(v));
    for (const v of pending) {
      const idx = candidates.findIndex((c) => deepEqual(v, c, memo));
      if (idx === -1) return false;
      candidates.splice(idx, 1);
    }
    return true;
  }

  function mapEquiv(a, b, memo) {
    if (a.size !== b.size) return false;
    const pending = [];
    for (const [k, v] of a) {
      if (b.has(k)) {
        if (!deepEqual(v, b.get(k), memo)) return false;
      } else if (k !== null && typeof k === 'object') {
        pending.push([k, v]);
      } else {
        return false;
      }
    }
    if (pending.length === 0) return true;
    const candidates = [...b].filter(([k]) => k !== null && typeof k === 'object' && !a.has(k));
    for (const [k, v] of pending) {
      const idx = candidates.findIndex(([ck, cv]) => deepEqual(k, ck, memo) && deepEqual(v, cv, memo));
      if (idx === -1) return false;
      candidates.splice(idx, 1);
    }
    return true;
  }

  // ---------------------------------------------------------------------------
  // util: promisify, callbackify, inherits, types, legacy type checks
  // ---------------------------------------------------------------------------

  const promisifyCustom = Symbol.for('nodejs.util.promisify.custom');

  function promisify(original) {
    if (typeof original !== 'function') throw invalidArgType('original', 'of type function', original);
    if (original[promisifyCustom]) {
      const fn = original[promisifyCustom];
      if (typeof fn !== 'function') {
        throw invalidArgType('util.promisify.custom', 'of type function', fn);
      }
      return Object.defineProperty(fn, promisifyCustom, { value: fn, configurable: true });
    }
    function promisified(...args) {
      return new Promise((resolve, reject) => {
        // Callback-last convention: (err, value) => ...
        Reflect.apply(original, this, [...args, (err, value) => (err ? reject(err) : resolve(value))]);
      });
    }
    Object.setPrototypeOf(promisified, Object.getPrototypeOf(original));
    Object.defineProperty(promisified, promisifyCustom, { value: promisified, configurable: true });
    return Object.defineProperties(promisified, Object.getOwnPropertyDescriptors(original));
  }
  promisify.custom = promisifyCustom;

  function callbackify(original) {
    if (typeof original !== 'function') throw invalidArgType('original', 'of type function', original);
    function callbackified(...args) {
      const callback = args.pop();
      if (typeof callback !== 'function') throw invalidArgType('last argument', 'of type function', callback);
      Reflect.apply(original, this, args).then(
        (value) => callback(null, value),
        (reason) => {
          // Node wraps falsy rejection reasons so the callback sees an error.
          if (!reason) {
            const err = nodeError(Error, 'ERR_FALSY_VALUE_REJECTION', 'Promise was rejected with falsy value');
            err.reason = reason;
            reason = err;
          }
          callback(reason);
        },
      );
    }
    return callbackified;
  }

  function inherits(ctor, superCtor) {
    if (ctor === undefined || ctor === null) throw invalidArgType('ctor', 'of type function', ctor);
    if (superCtor === undefined || superCtor === null) {
      throw invalidArgType('superCtor', 'of type function', superCtor);
    }
    if (superCtor.prototype === undefined) {
      throw invalidArgType('superCtor.prototype', 'of type object', superCtor.prototype);
    }
    Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true });
    Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
  }

  const types = {
    isDate,
    isRegExp,
    isPromise,
    isMap,
    isSet,
    isWeakMap,
    isWeakSet,
    isArrayBuffer,
    isAnyArrayBuffer: (v) => isArrayBuffer(v) ||
      (typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer),
    isDataView,
    isTypedArray,
    isUint8Array: (v) => typedArrayTag.call(v) === 'Uint8Array',
    isArrayBufferView: (v) => ArrayBuffer.isView(v),
    isNativeError,
    isBoxedPrimitive,
    isNumberObject,
    isStringObject,
    isBooleanObject,
    isSymbolObject,
    isBigIntObject,
    isArgumentsObject: (v) => v !== null && typeof v === 'object' && isArguments(v),
    isAsyncFunction: (v) => typeof v === 'function' &&
      ['AsyncFunction', 'AsyncGeneratorFunction'].includes(toStringTagOf(v)),
    isGeneratorFunction: (v) => typeof v === 'function' &&
      ['GeneratorFunction', 'AsyncGeneratorFunction'].includes(toStringTagOf(v)),
    isGeneratorObject: (v) => v !== null && typeof v === 'object' && toStringTagOf(v) === 'Generator',
  };

  const util = {
    format,
    formatWithOptions,
    inspect,
    isDeepStrictEqual,
    promisify,
    callbackify,
    inherits,
    // Node returns a wrapper that warns once; rules only need the function.
    deprecate: (fn) => fn,
    debuglog: () => Object.assign(() => {}, { enabled: false }),
    types,
    toUSVString: (s) => `${s}`.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
    // Deprecated type checks still present in Node 20 and used by old rules.
    isArray: Array.isArray,
    isBoolean: (v) => typeof v === 'boolean',
    isBuffer: (v) => v instanceof Buffer,
    isDate,
    isError: (v) => isNativeError(v) || v instanceof Error,
    isFunction: (v) => typeof v === 'function',
    isNull: (v) => v === null,
    isNullOrUndefined: (v) => v === null || v === undefined,
    isNumber: (v) => typeof v === 'number',
    isObject: (v) => v !== null && typeof v === 'object',
    isPrimitive: (v) => v === null || (typeof v !== 'object' && typeof v !== 'function'),
    isRegExp,
    isString: (v) => typeof v === 'string',
    isSymbol: (v) => typeof v === 'symbol',
    isUndefined: (v) => v === undefined,
  };

  // ---------------------------------------------------------------------------
  // Entry point
  // ---------------------------------------------------------------------------

  globalThis.__rulekitNodeBuiltins = function __rulekitNodeBuiltins(options) {
    const crypto = makeCrypto(options || {});
    return { crypto, url: urlModule, querystring, util, buffer: bufferModule, Buffer, atob, btoa };
  };
})();
