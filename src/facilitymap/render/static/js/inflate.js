// inflate.js: Inflating zlib data (RFC 1950, 1951) at once, without waiting: the page reads its
// index in the same task as its script runs, so the HTML parser cannot take turns with it.

  // ---------------------------------------------------------------- inflate
  // DecompressionStream hands its output over in many tasks, and the parser, reading the
  // details that follow the scripts, takes its turns between them: a 10 MB index took 0.3 to
  // 0.9 s that way on this project's 2-core machine, 0.1 s here.
  var LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
  var LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
  var DISTANCE_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
  var DISTANCE_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
  var CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
  var FIXED_CODES = null; // the fixed literal/length and distance tables, made once

  function inflateError(what) {
    return new Error('the map data is damaged (' + what + ')');
  }

  // A canonical Huffman code as a lookup table: indexed by the next `bits` input bits (first
  // bit lowest), each entry is symbol * 16 + code length; 0 where no code begins so.
  function huffmanTable(lengths) {
    var bits = 0;
    var count = new Uint16Array(16);
    for (var s = 0; s < lengths.length; s++) {
      count[lengths[s]]++;
      if (lengths[s] > bits) bits = lengths[s];
    }
    count[0] = 0;
    var next = new Uint16Array(16);
    for (var len = 1, code = 0; len < 16; len++) {
      code = (code + count[len - 1]) << 1;
      next[len] = code;
    }
    var table = new Int32Array(1 << bits);
    for (s = 0; s < lengths.length; s++) {
      len = lengths[s];
      if (!len) continue;
      var forward = next[len]++;
      var reversed = 0;
      for (var b = 0; b < len; b++) reversed |= ((forward >> b) & 1) << (len - 1 - b);
      for (var k = reversed; k < table.length; k += 1 << len) table[k] = (s << 4) | len;
    }
    return { table: table, bits: bits };
  }

  function fixedCodes() {
    if (!FIXED_CODES) {
      var lengths = new Uint8Array(288);
      for (var s = 0; s < 288; s++) lengths[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
      var distances = new Uint8Array(30).fill(5);
      FIXED_CODES = [huffmanTable(lengths), huffmanTable(distances)];
    }
    return FIXED_CODES;
  }

  // The bytes a zlib stream holds (its checksum is not checked: the page made it), of
  // `expected` bytes if known. The
  // state is in local variables, not in closures: V8 keeps those in registers, which made
  // this three times faster.
  function inflate(input, expected) {
    var end = input.length;
    if (end < 2 || (input[0] & 15) !== 8 || ((input[0] << 8) | input[1]) % 31 || input[1] & 32) {
      throw inflateError('not a zlib stream');
    }
    var pos = 2;
    var buffer = 0; // input bits not yet used, the first lowest
    var held = 0; // how many
    // Room for what the page says it inflates to, if deflate could make that of `end`
    // bytes (at most 1032 times as many), or else a guess: it grows when short.
    var sure = expected > 0 && expected <= end * 1032 + 1024;
    var out = new Uint8Array(sure ? expected : Math.max(1024, end * 4));
    var size = 0;
    var last = 0;
    var length;
    var entry;
    var sym;
    while (!last) {
      while (held < 3) {
        buffer |= (pos < end ? input[pos] : 0) << held;
        pos++;
        held += 8;
      }
      last = buffer & 1;
      var type = (buffer >>> 1) & 3;
      buffer >>>= 3;
      held -= 3;
      if (type === 0) {
        pos -= held >> 3; // a stored block starts at the next byte
        buffer = 0;
        held = 0;
        if (pos + 4 > end) throw inflateError('cut short');
        length = input[pos] | (input[pos + 1] << 8);
        if ((length ^ (input[pos + 2] | (input[pos + 3] << 8))) !== 0xffff) throw inflateError('bad stored block');
        pos += 4;
        if (pos + length > end) throw inflateError('cut short');
        out = room(out, size, length);
        out.set(input.subarray(pos, pos + length), size);
        size += length;
        pos += length;
        continue;
      }
      var literals;
      var distances;
      if (type === 1) {
        literals = fixedCodes()[0];
        distances = fixedCodes()[1];
      } else if (type === 2) {
        while (held < 14) {
          buffer |= (pos < end ? input[pos] : 0) << held;
          pos++;
          held += 8;
        }
        var literalCount = (buffer & 31) + 257;
        var distanceCount = ((buffer >>> 5) & 31) + 1;
        var lengthCount = ((buffer >>> 10) & 15) + 4;
        buffer >>>= 14;
        held -= 14;
        var codeLengths = new Uint8Array(19);
        for (var i = 0; i < lengthCount; i++) {
          while (held < 3) {
            buffer |= (pos < end ? input[pos] : 0) << held;
            pos++;
            held += 8;
          }
          codeLengths[CODE_LENGTH_ORDER[i]] = buffer & 7;
          buffer >>>= 3;
          held -= 3;
        }
        var lengthCode = huffmanTable(codeLengths);
        var lengths = new Uint8Array(literalCount + distanceCount);
        for (i = 0; i < lengths.length; ) {
          while (held < 14) {
            buffer |= (pos < end ? input[pos] : 0) << held;
            pos++;
            held += 8;
          }
          entry = lengthCode.table[buffer & ((1 << lengthCode.bits) - 1)];
          if (!(entry & 15)) throw inflateError('bad code');
          buffer >>>= entry & 15;
          held -= entry & 15;
          sym = entry >> 4;
          if (sym < 16) {
            lengths[i++] = sym;
            continue;
          }
          var repeat;
          var value = 0;
          if (sym === 16) {
            if (!i) throw inflateError('bad lengths');
            value = lengths[i - 1];
            repeat = 3 + (buffer & 3);
            buffer >>>= 2;
            held -= 2;
          } else if (sym === 17) {
            repeat = 3 + (buffer & 7);
            buffer >>>= 3;
            held -= 3;
          } else {
            repeat = 11 + (buffer & 127);
            buffer >>>= 7;
            held -= 7;
          }
          if (i + repeat > lengths.length) throw inflateError('bad lengths');
          while (repeat--) lengths[i++] = value;
        }
        literals = huffmanTable(lengths.subarray(0, literalCount));
        distances = huffmanTable(lengths.subarray(literalCount));
      } else {
        throw inflateError('bad block type');
      }
      var literalTable = literals.table;
      var literalMask = (1 << literals.bits) - 1;
      var distanceTable = distances.table;
      var distanceMask = (1 << distances.bits) - 1;
      for (;;) {
        if (held < 15) {
          if (pos > end + 4) throw inflateError('cut short'); // only zeros past the end
          buffer |= (pos < end ? input[pos] : 0) << held;
          buffer |= (pos + 1 < end ? input[pos + 1] : 0) << (held + 8);
          pos += 2;
          held += 16;
        }
        entry = literalTable[buffer & literalMask];
        length = entry & 15;
        if (!length) throw inflateError('bad code');
        buffer >>>= length;
        held -= length;
        sym = entry >> 4;
        if (sym < 256) {
          if (size === out.length) out = room(out, size, 1);
          out[size++] = sym;
          continue;
        }
        if (sym === 256) break;
        sym -= 257;
        if (sym >= 29) throw inflateError('bad length');
        // The length's extra bits (up to 5), the distance's code (up to 15) and its extra
        // bits (up to 13): refilled before each.
        if (held < 5) {
          buffer |= (pos < end ? input[pos] : 0) << held;
          pos++;
          held += 8;
        }
        length = LENGTH_BASE[sym] + (buffer & ((1 << LENGTH_EXTRA[sym]) - 1));
        buffer >>>= LENGTH_EXTRA[sym];
        held -= LENGTH_EXTRA[sym];
        if (held < 15) {
          buffer |= (pos < end ? input[pos] : 0) << held;
          buffer |= (pos + 1 < end ? input[pos + 1] : 0) << (held + 8);
          pos += 2;
          held += 16;
        }
        entry = distanceTable[buffer & distanceMask];
        if (!(entry & 15)) throw inflateError('bad code');
        buffer >>>= entry & 15;
        held -= entry & 15;
        sym = entry >> 4;
        if (sym >= 30) throw inflateError('bad distance');
        if (held < 13) {
          buffer |= (pos < end ? input[pos] : 0) << held;
          buffer |= (pos + 1 < end ? input[pos + 1] : 0) << (held + 8);
          pos += 2;
          held += 16;
        }
        var distance = DISTANCE_BASE[sym] + (buffer & ((1 << DISTANCE_EXTRA[sym]) - 1));
        buffer >>>= DISTANCE_EXTRA[sym];
        held -= DISTANCE_EXTRA[sym];
        if (distance > size) throw inflateError('bad distance');
        if (size + length > out.length) out = room(out, size, length);
        for (var from = size - distance, stop = size + length; size < stop; ) out[size++] = out[from++];
      }
      if (pos > end + 6) throw inflateError('cut short');
    }
    return out.subarray(0, size);
  }

  // `out` with room for `more` bytes after its first `size`.
  function room(out, size, more) {
    if (size + more <= out.length) return out;
    var bigger = new Uint8Array(Math.max(out.length * 2, size + more));
    bigger.set(out.subarray(0, size));
    return bigger;
  }
