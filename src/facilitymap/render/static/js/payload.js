// payload.js: Reading the page's data elements (plain, or deflated and packed) and the vocabulary
// they carry.

  // ---------------------------------------------------------------- payload
  // Packed text (render/page.py, pack_text): seven bits a character, the character's code,
  // except the groups NUL, CR and "<", which ride with the next group in one character,
  // U+0100 + 128 * (which of the three) + the next group.
  var ESCAPED_GROUPS = [0x00, 0x0d, 0x3c];

  function unpackText(text, size) {
    var out = new Uint8Array(size);
    var acc = 0; // the bits read and not yet written: `bits` of them
    var bits = 0;
    var o = 0;
    for (var i = 0, n = text.length; i < n && o < size; i++) {
      var c = text.charCodeAt(i);
      var width = 7;
      if (c >= 0x80) {
        c -= 0x100;
        if (c < 0 || c >= 384) throw new Error('the map data is damaged');
        c = (ESCAPED_GROUPS[c >> 7] << 7) | (c & 127);
        width = 14;
      }
      acc = (acc << width) | c;
      bits += width;
      while (bits >= 8 && o < size) {
        bits -= 8;
        out[o++] = acc >>> bits;
        acc &= (1 << bits) - 1;
      }
    }
    if (o < size) throw new Error('the map data is cut short');
    return out;
  }

  // A JSON data element: plain, or deflated and packed (large layers; deflate-base64 was
  // the packing before deflate-b128). Read at once (see inflate.js), handed over as a promise.
  function readElement(node) {
    try {
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
    if (encoding === 'deflate-b128') bytes = unpackText(node.textContent, +node.getAttribute('data-bytes') || 0);
    else if (encoding === 'deflate-base64') bytes = base64Bytes(node.textContent.trim());
    else throw new Error('this page\u2019s data is packed in a way this script cannot read: ' + encoding);
    // data-size: the inflated size, so the output is allocated once.
    return JSON.parse(new TextDecoder().decode(inflate(bytes, +node.getAttribute('data-size') || 0)));
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
