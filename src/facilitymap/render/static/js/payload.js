// payload.js: Reading the page's data elements (plain or deflated JSON) and the vocabulary they carry.

  // ---------------------------------------------------------------- payload
  // A JSON data element: plain, or deflated and base64-encoded (large layers).
  function readElement(node) {
    if (!node) return Promise.resolve(null);
    var encoding = node.getAttribute('data-encoding');
    if (!encoding) return Promise.resolve(JSON.parse(node.textContent));
    if (encoding !== 'deflate-base64' || typeof DecompressionStream === 'undefined') {
      return Promise.reject(new Error('this browser cannot read the compressed map data'));
    }
    var text = node.textContent.trim();
    var bytes;
    if (typeof Uint8Array.fromBase64 === 'function') {
      bytes = Uint8Array.fromBase64(text);
    } else {
      var binary = atob(text);
      bytes = new Uint8Array(binary.length);
      for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
    return new Response(stream).text().then(JSON.parse);
  }

  // The index (what every site is drawn and listed by) comes first; each site's full
  // properties (claims, sources, notes) are in fm-details, read once the map is drawn.
  function readPayload() {
    return readElement(document.getElementById('fm-data'));
  }

  var VOCAB = null; // payload.vocab: statuses, confidence, labels, basemaps

