// payload.js: Reading the page's data elements (plain, or deflated and packed) and the vocabulary
// they carry.

  // ---------------------------------------------------------------- payload
  // Packed text (render/packing.py, pack_bytes): the deflated bytes themselves, the page
  // being read as windows-1252; "=" and the next character's code minus 64 stand for CR, "="
  // and a "<" before "/" or "!". Each character is its byte, except the windows-1252 letters
  // and signs of 0x80-0x9F (HIGH_BYTES) and U+FFFD, which the parser made of a NUL.
  var HIGH_CODES = [0x20ac, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039,
    0x0152, 0x017d, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
    0x0153, 0x017e, 0x0178];
  var HIGH_BYTES = [0x80, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8e, 0x91, 0x92,
    0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9e, 0x9f];
  var BYTE_OF_CODE = null; // the byte of each character over U+00FF, made once (1 + 0x2122 entries)

  function byteOfCode() {
    if (!BYTE_OF_CODE) {
      BYTE_OF_CODE = new Int16Array(0x2123).fill(-1);
      for (var k = 0; k < HIGH_CODES.length; k++) BYTE_OF_CODE[HIGH_CODES[k]] = HIGH_BYTES[k];
    }
    return BYTE_OF_CODE;
  }

  // The page's bytes an element's text was read from (each character its byte, but those of
  // HIGH_CODES and U+FFFD), unpacked.
  function unpackText(text, size) {
    var bytes = new Uint8Array(text.length);
    var high = byteOfCode();
    for (var i = 0, n = text.length; i < n; i++) {
      var c = text.charCodeAt(i);
      if (c > 0xff) {
        c = c === 0xfffd ? 0 : c < high.length ? high[c] : -1;
        if (c < 0) throw new Error('the map data is damaged');
      }
      bytes[i] = c;
    }
    return unpackBytes(bytes, size);
  }

  // A JSON data element: plain, or deflated and packed (large layers; deflate-b128, seven
  // bits a character, and deflate-base64 were the packings before deflate-cp1252). Read at
  // once (see inflate.js), handed over as a promise.
  function readElement(node) {
    try {
      if (node && node.getAttribute('data-encoding') === 'deflate-cp1252' && pageMisread()) {
        return pageElement(node.id).then(function (text) {
          return inflated(node, unpackBytes(text, +node.getAttribute('data-bytes') || 0));
        });
      }
      return Promise.resolve(readElementNow(node));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  function readElementNow(node) {
    if (!node) return null;
    var encoding = node.getAttribute('data-encoding');
    if (!encoding) return JSON.parse(node.textContent);
    var bytes;
    if (encoding === 'deflate-cp1252') bytes = unpackText(node.textContent, +node.getAttribute('data-bytes') || 0);
    else if (encoding === 'deflate-base64') bytes = base64Bytes(node.textContent.trim());
    else throw new Error('this page\u2019s data is packed in a way this script cannot read: ' + encoding);
    return inflated(node, bytes);
  }

  function inflated(node, bytes) {
    // data-size: the inflated size, so the output is allocated once.
    return JSON.parse(new TextDecoder().decode(inflate(bytes, +node.getAttribute('data-size') || 0)));
  }

  // A server may call the page UTF-8 over what the page itself says (many hosts send
  // "charset=utf-8" with every .html file), and the header wins: the packed bytes were then
  // changed as they were read (what is not UTF-8 became U+FFFD). They are read again from
  // the file, as it arrives: the index is near its start, so the map is drawn as soon as
  // that is in. (From disk, the page's own <meta charset> decides.)
  var PAGE_FILE = null;

  function pageMisread() {
    var meta = document.querySelector('meta[charset]');
    return !!meta && /^windows-1252$/i.test(meta.getAttribute('charset')) &&
      !/^windows-1252$/i.test(document.characterSet);
  }

  // The text of the data element `id`, from the page's file, once it has arrived.
  function pageElement(id) {
    if (!PAGE_FILE) PAGE_FILE = readPageFile();
    var file = PAGE_FILE;
    if (file.where[id]) return Promise.resolve(file.bytes.subarray(file.where[id][0], file.where[id][1]));
    if (file.failed) return Promise.reject(file.failed);
    if (file.done) return Promise.reject(new Error('the map data is damaged (no ' + id + ')'));
    return new Promise(function (resolve, reject) {
      (file.waiting[id] = file.waiting[id] || []).push([resolve, reject]);
    });
  }

  var ELEMENT_OPEN = asciiBytes('<script type="application/json" id="');
  var ELEMENT_END = asciiBytes('</');

  function readPageFile() {
    var file = { bytes: new Uint8Array(1 << 20), size: 0, at: 0, open: null, where: {}, waiting: {}, done: false, failed: null };
    fetch(location.href, { cache: 'force-cache' }).then(function (response) {
      if (!response.ok || !response.body) throw new Error('the map data could not be read again (' + response.status + ')');
      var reader = response.body.getReader();
      function next() {
        return reader.read().then(function (chunk) {
          if (chunk.done) {
            file.done = true;
            settle(file, function (id, entry) { entry[1](new Error('the map data is damaged (no ' + id + ')')); });
            return;
          }
          if (file.size + chunk.value.length > file.bytes.length) {
            var grown = new Uint8Array(Math.max(file.bytes.length * 2, file.size + chunk.value.length));
            grown.set(file.bytes.subarray(0, file.size));
            file.bytes = grown;
          }
          file.bytes.set(chunk.value, file.size);
          file.size += chunk.value.length;
          findElements(file);
          return next();
        });
      }
      return next();
    }).catch(function (err) {
      file.failed = err;
      settle(file, function (id, entry) { entry[1](err); });
    });
    return file;
  }

  // The elements whole in what has arrived, each skipped whole once found: nothing in packed
  // text is taken for markup. Those waited for are handed over. An element not all in yet is
  // searched on from where its search stopped (`file.open`), not again from its start.
  function findElements(file) {
    var bytes = file.bytes.subarray(0, file.size);
    for (;;) {
      if (!file.open) {
        var at = findBytes(bytes, ELEMENT_OPEN, file.at);
        var idEnd = at < 0 ? -1 : bytes.indexOf(0x22, at + ELEMENT_OPEN.length);
        var textStart = idEnd < 0 ? 0 : bytes.indexOf(0x3e, idEnd) + 1;
        if (textStart < 1) {
          // Not found, or its tag is not all in: from a little before the end next time.
          file.at = at >= 0 ? at : Math.max(file.at, file.size - ELEMENT_OPEN.length);
          return;
        }
        var id = String.fromCharCode.apply(null, bytes.subarray(at + ELEMENT_OPEN.length, idEnd));
        file.open = { id: id, start: textStart, from: textStart };
      }
      var open = file.open;
      var textEnd = findBytes(bytes, ELEMENT_END, open.from);
      if (textEnd < 0) {
        open.from = Math.max(open.start, file.size - 1); // ("<" may end what has arrived)
        return;
      }
      file.open = null;
      file.where[open.id] = [open.start, textEnd];
      file.at = textEnd;
      var waiting = file.waiting[open.id];
      delete file.waiting[open.id];
      for (var k = 0; waiting && k < waiting.length; k++) waiting[k][0](file.bytes.subarray(open.start, textEnd));
    }
  }

  function settle(file, each) {
    Object.keys(file.waiting).forEach(function (id) {
      file.waiting[id].forEach(function (entry) { each(id, entry); });
    });
    file.waiting = {};
  }

  function asciiBytes(text) {
    var out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }

  function findBytes(bytes, pattern, from) {
    for (var at = bytes.indexOf(pattern[0], from); at >= 0; at = bytes.indexOf(pattern[0], at + 1)) {
      var k = 1;
      while (k < pattern.length && at + k < bytes.length && bytes[at + k] === pattern[k]) k++;
      if (k === pattern.length) return at;
    }
    return -1;
  }

  // The bytes packed into the page's bytes `text`: "=" and the next byte minus 64 stand for
  // one byte (CR, "=" or "<").
  function unpackBytes(text, size) {
    var out = new Uint8Array(size);
    var o = 0;
    for (var i = 0, n = text.length; i < n; i++) {
      var c = text[i];
      if (c === 0x3d) c = (text[++i] + 192) & 0xff;
      if (o === size || i === n) throw new Error('the map data is damaged');
      out[o++] = c;
    }
    if (o < size) throw new Error('the map data is cut short');
    return out;
  }

  function base64Bytes(text) {
    if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(text);
    var binary = atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  // The index (what every site is drawn and listed by) comes first; the scripts draw from
  // it at once, before the parser has read the fm-details elements that follow them.
  function readPayload() {
    return readElement(document.getElementById('fm-data'));
  }

  // The element `id` once the parser has read all of it: it is complete when an element
  // follows it, or when the whole page is parsed (the details are the page's last elements,
  // most of its bytes, and a popup may ask for one the parser has not reached yet).
  function whenParsed(id) {
    function complete() {
      var node = document.getElementById(id);
      if (document.readyState !== 'loading') return node || false;
      return node && node.nextElementSibling ? node : null;
    }
    var found = complete();
    if (found !== null) return Promise.resolve(found || null);
    return new Promise(function (resolve) {
      var observer = new MutationObserver(check);
      function check() {
        var node = complete();
        if (node === null) return;
        observer.disconnect();
        document.removeEventListener('DOMContentLoaded', check);
        resolve(node || null);
      }
      observer.observe(document.body, { childList: true });
      document.addEventListener('DOMContentLoaded', check);
    });
  }

  var VOCAB = null; // payload.vocab: statuses, confidence, labels, basemaps
